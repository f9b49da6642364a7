"""Every route has a permission decorator, and each role reaches only what it may."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from apprenticeships import create_app
from apprenticeships.config import TestConfig
from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, ApprenticeStatus, Role, User
from apprenticeships.permissions import PERMISSION_ATTR, public, require_every_view_has_permission

from ..helpers import ROLES, csrf_token_from

# Routes for signed-in users: the rule, a path to try it with, and the roles allowed. Walking
# the URL map below makes sure a new route cannot be added without being listed here.
SIGNED_IN_ROUTES = [
    ("/coordinator", "/coordinator", {"coordinator"}),
    ("/mentor", "/mentor", {"mentor"}),
    ("/employer", "/employer", {"employer"}),
    ("/apprentice", "/apprentice", {"apprentice"}),
    ("/users", "/users", {"coordinator"}),
    ("/users/invite", "/users/invite", {"coordinator"}),
    ("/users/invite/<role>", "/users/invite/mentor", {"coordinator"}),
    ("/users/<int:user_id>", "/users/2", {"coordinator"}),
    ("/users/<int:user_id>/deactivate", "/users/2/deactivate", {"coordinator"}),
    ("/users/<int:user_id>/two-factor/turn-off", "/users/2/two-factor/turn-off", {"coordinator": 303}),  # off already
    # The demo apprentice, a mentee of the demo mentor.
    ("/apprentices/<int:apprentice_id>", "/apprentices/1", {"coordinator", "mentor"}),
    ("/cohorts", "/cohorts", {"coordinator"}),
    ("/cohorts/new", "/cohorts/new", {"coordinator"}),
    ("/cohorts/<int:cohort_id>", "/cohorts/1", {"coordinator"}),
    ("/cohorts/<int:cohort_id>/edit", "/cohorts/1/edit", {"coordinator"}),
    ("/cohorts/<int:cohort_id>/archive", "/cohorts/1/archive", {"coordinator"}),
    ("/cohorts/<int:cohort_id>/apprentices.csv", "/cohorts/1/apprentices.csv", {"coordinator"}),
    ("/apprentices/new", "/apprentices/new", {"coordinator"}),
    ("/apprentices/<int:apprentice_id>/edit", "/apprentices/1/edit", {"coordinator"}),
    ("/apprentices/<int:apprentice_id>/mentor", "/apprentices/1/mentor", {"coordinator"}),
    ("/apprentices/<int:apprentice_id>/status/<action>", "/apprentices/1/status/withdraw", {"coordinator"}),
    ("/apprentices/import", "/apprentices/import", {"coordinator"}),
    ("/apprentices/import/template.csv", "/apprentices/import/template.csv", {"coordinator"}),
    ("/providers", "/providers", {"coordinator"}),
    ("/providers/new", "/providers/new", {"coordinator"}),
    ("/providers/<int:provider_id>/edit", "/providers/1/edit", {"coordinator"}),
    ("/standards", "/standards", {"coordinator"}),
    ("/standards/new", "/standards/new", {"coordinator"}),
    ("/standards/<int:standard_id>/edit", "/standards/1/edit", {"coordinator"}),
    ("/mentors", "/mentors", {"coordinator"}),
    ("/mentors/new", "/mentors/new", {"coordinator"}),
    ("/mentors/<int:mentor_id>/edit", "/mentors/1/edit", {"coordinator"}),
    ("/employers", "/employers", {"coordinator"}),
    ("/employers/new", "/employers/new", {"coordinator"}),
    ("/employers/<int:employer_id>/edit", "/employers/1/edit", {"coordinator"}),
    ("/employers/<int:employer_id>", "/employers/1", {"coordinator"}),
    ("/employers/<int:employer_id>/contacts/new", "/employers/1/contacts/new", {"coordinator"}),
    ("/employers/<int:employer_id>/contacts/<int:contact_id>/edit", "/employers/1/contacts/1/edit",
     {"coordinator"}),
    ("/placements", "/placements", {"coordinator", "employer"}),
    ("/placements/new", "/placements/new", {"employer"}),
    # The demo employer's published placement: no longer editable, so the employer is sent back to it.
    ("/placements/<int:placement_id>/edit", "/placements/1/edit", {"employer": 303}),
    ("/placements/<int:placement_id>", "/placements/1", {"coordinator", "employer"}),
    ("/placements/<int:placement_id>/candidates", "/placements/1/candidates", {"coordinator": 303}),
    # The demo's proposal of Yusuf Ali to the demo employer, and Jordan Ellis's active placement.
    ("/placements/proposals/<int:assignment_id>", "/placements/proposals/6", {"employer"}),
    ("/placements/proposals/<int:assignment_id>/withdraw", "/placements/proposals/6/withdraw", {"coordinator"}),
    # The demo employer's published placement (all its places taken: the page offers a reserve).
    ("/placements/<int:placement_id>/amend", "/placements/1/amend", {"coordinator", "employer"}),
    ("/placements/<int:placement_id>/propose/<int:apprentice_id>", "/placements/1/propose/2", {"coordinator"}),
    ("/employers/reviews", "/employers/reviews", {"employer"}),
    ("/placements/assignments/<int:assignment_id>/<any(start, finish):step>", "/placements/assignments/1/finish",
     {"coordinator"}),
    ("/opportunities", "/opportunities", {"apprentice"}),
    ("/opportunities/<int:placement_id>", "/opportunities/1", {"apprentice"}),
    # {entry} is one of the demo apprentice's entries still waiting for verification.
    ("/log/<int:entry_id>", "/log/{entry}", {"apprentice", "mentor", "coordinator"}),
    ("/log/<int:entry_id>/edit", "/log/{entry}/edit", {"apprentice"}),
    ("/log/<int:entry_id>/delete", "/log/{entry}/delete", {"apprentice"}),
    ("/log/<int:entry_id>/query", "/log/{entry}/query", {"mentor", "coordinator"}),
    ("/verification", "/verification", {"mentor", "coordinator"}),
    ("/apprentices/<int:apprentice_id>/log", "/apprentices/1/log", {"mentor", "coordinator"}),
    ("/reviews", "/reviews", {"coordinator", "mentor", "employer", "apprentice"}),
    # {review} is the demo apprentice's next scheduled review (the demo employer hosts them).
    ("/reviews/<int:review_id>", "/reviews/{review}", {"coordinator", "mentor", "employer", "apprentice"}),
    ("/reviews/<int:review_id>/record", "/reviews/{review}/record", {"coordinator", "mentor"}),
    ("/reviews/<int:review_id>/reopen", "/reviews/{review}/reopen", {"coordinator"}),
    ("/reviews/calendar", "/reviews/calendar", {"coordinator", "mentor", "employer", "apprentice"}),
    ("/reviews/calendar/new", "/reviews/calendar/new", {"coordinator", "mentor", "employer", "apprentice"}),
    ("/settings", "/settings", {"coordinator"}),
    ("/cohorts/<int:cohort_id>/sharing", "/cohorts/1/sharing", {"coordinator"}),
    ("/cohorts/<int:cohort_id>/sharing/new", "/cohorts/1/sharing/new", {"coordinator"}),
    # The demo programme has no council codes yet: the coordinator is sent to set them.
    ("/cohorts/<int:cohort_id>/sharing/open-data.zip", "/cohorts/1/sharing/open-data.zip", {"coordinator": 200}),
    ("/cohorts/<int:cohort_id>/sharing/<int:link_id>", "/cohorts/1/sharing/999", {"coordinator": 404}),
    ("/users/<int:user_id>/invitation", "/users/2/invitation", {"coordinator"}),
    ("/cohorts/<int:cohort_id>/sharing/<int:link_id>/revoke", "/cohorts/1/sharing/999/revoke", {"coordinator": 404}),
    ("/account/password", "/account/password", {"coordinator", "mentor", "employer", "apprentice"}),
    ("/account/two-factor", "/account/two-factor", {"coordinator", "mentor", "employer", "apprentice"}),
    # Two-factor sign-in is off for the demo accounts: these pages send them back to the one above.
    ("/account/two-factor/set-up", "/account/two-factor/set-up",
     {"coordinator": 303, "mentor": 303, "employer": 303, "apprentice": 303}),
    ("/account/two-factor/recovery-codes", "/account/two-factor/recovery-codes",
     {"coordinator", "mentor", "employer", "apprentice"}),
    ("/account/two-factor/recovery-codes/new", "/account/two-factor/recovery-codes/new",
     {"coordinator": 303, "mentor": 303, "employer": 303, "apprentice": 303}),
    ("/account/two-factor/turn-off", "/account/two-factor/turn-off",
     {"coordinator": 303, "mentor": 303, "employer": 303, "apprentice": 303}),
    ("/notifications", "/notifications", {"coordinator", "mentor", "employer", "apprentice"}),
    ("/notifications/preferences", "/notifications/preferences", {"coordinator", "mentor", "employer", "apprentice"}),
    # Evidence files: none in the demo, so an id that is no one's answers 404 to everyone (their
    # object-level rules are in test_evidence.py).
    ("/evidence/<int:file_id>", "/evidence/999",
     {"coordinator": 404, "mentor": 404, "employer": 404, "apprentice": 404}),
    ("/evidence/<int:file_id>/thumbnail", "/evidence/999/thumbnail",
     {"coordinator": 404, "mentor": 404, "employer": 404, "apprentice": 404}),
    ("/evidence/<int:file_id>/remove", "/evidence/999/remove",
     {"coordinator": 404, "mentor": 404, "employer": 404, "apprentice": 404}),
    ("/log/<int:entry_id>/evidence", "/log/{entry}/evidence", {"apprentice"}),
    ("/apprentices/<int:apprentice_id>/evidence", "/apprentices/1/evidence", {"coordinator", "mentor", "apprentice"}),
    ("/emails/problems", "/emails/problems", {"coordinator"}),
    ("/dev/mailbox", "/dev/mailbox", {"coordinator"}),
    ("/dev/mailbox/<int:message_id>", "/dev/mailbox/999", {"coordinator": 404}),
    # Records past their retention period (none in the demo); with nothing chosen, back to the list.
    ("/retention", "/retention", {"coordinator"}),
    ("/retention/anonymise", "/retention/anonymise", {"coordinator": 303}),
    ("/apprentices/<int:apprentice_id>/keep-longer", "/apprentices/1/keep-longer", {"coordinator"}),
    # The demo apprentice has activity: the page says why the record cannot be deleted.
    ("/apprentices/<int:apprentice_id>/delete", "/apprentices/1/delete", {"coordinator"}),
    # Everything held about the demo apprentice: a coordinator's and their own; no one else's (404).
    ("/apprentices/<int:apprentice_id>/subject-access.zip", "/apprentices/1/subject-access.zip",
     {"coordinator": 200, "apprentice": 200, "mentor": 404, "employer": 404}),
    ("/audit", "/audit", {"coordinator"}),
    ("/audit/events.csv", "/audit/events.csv?apprentice=1", {"coordinator"}),
    # The public sector return: 2017-18, the first year, is never one of the demo's (last year and this year).
    ("/reports", "/reports", {"coordinator"}),
    ("/reports/<int:year>", "/reports/2017", {"coordinator"}),
    ("/reports/<int:year>/employees", "/reports/2017/employees", {"coordinator"}),
    ("/reports/<int:year>/employees/import", "/reports/2017/employees/import", {"coordinator"}),
    ("/reports/employees-template.csv", "/reports/employees-template.csv", {"coordinator"}),
    ("/reports/<int:year>/answers", "/reports/2017/answers", {"coordinator"}),
    ("/reports/<int:year>/submit", "/reports/2017/submit", {"coordinator"}),
    ("/reports/<int:year>/reopen", "/reports/2017/reopen", {"coordinator": 303}),  # not submitted: back to the year
    ("/reports/<int:year>/publish", "/reports/2017/publish", {"coordinator"}),
    ("/reports/<int:year>/return.csv", "/reports/2017/return.csv", {"coordinator"}),
    # The demo's made-up local authority codes let it be written (test_sector_return.py removes them).
    ("/reports/<int:year>/open-data.zip", "/reports/2017/open-data.zip", {"coordinator": 200}),
    # Councils side by side: no council's file or comparison link in the demo.
    ("/comparison", "/comparison", {"coordinator"}),
    ("/comparison/files/new", "/comparison/files/new", {"coordinator"}),
    ("/comparison/files/<int:file_id>/remove", "/comparison/files/999/remove", {"coordinator": 404}),
    ("/comparison/links", "/comparison/links", {"coordinator"}),
    ("/comparison/links/new", "/comparison/links/new", {"coordinator"}),
    ("/comparison/links/<int:link_id>", "/comparison/links/999", {"coordinator": 404}),
    ("/comparison/links/<int:link_id>/revoke", "/comparison/links/999/revoke", {"coordinator": 404}),
    # The levy's ledger: the demo's account (1), Jordan Ellis's funding (the demo apprentice), a standard's band.
    ("/levy", "/levy", {"coordinator"}),
    ("/levy/accounts/new", "/levy/accounts/new", {"coordinator"}),
    ("/levy/accounts/<int:account_id>", "/levy/accounts/1", {"coordinator"}),
    ("/levy/accounts/<int:account_id>/transactions/new", "/levy/accounts/1/transactions/new", {"coordinator"}),
    # The demo's transactions are all imported: only one typed in has a page to remove it.
    ("/levy/accounts/<int:account_id>/transactions/<int:transaction_id>/remove",
     "/levy/accounts/1/transactions/999999/remove", {"coordinator": 404}),
    ("/levy/accounts/<int:account_id>/import", "/levy/accounts/1/import", {"coordinator"}),
    ("/levy/import-template.csv", "/levy/import-template.csv", {"coordinator"}),
    ("/levy/funding-bands", "/levy/funding-bands", {"coordinator"}),
    ("/levy/funding-bands/<int:standard_id>", "/levy/funding-bands/1", {"coordinator"}),
    ("/levy/apprentices/<int:apprentice_id>/funding", "/levy/apprentices/1/funding", {"coordinator"}),
    # Levy transfers. The demo's pledge 2 is open (digital); its application 4 is the demo employer's, accepted,
    # with transfer apprentice 4. Employers apply to open pledges and see their own applications only.
    ("/levy/pledges", "/levy/pledges", {"coordinator"}),
    ("/levy/pledges/new", "/levy/pledges/new", {"coordinator"}),
    ("/levy/pledges/<int:pledge_id>", "/levy/pledges/2", {"coordinator"}),
    ("/levy/pledges/<int:pledge_id>/edit", "/levy/pledges/2/edit", {"coordinator"}),
    ("/levy/pledges/<int:pledge_id>/close", "/levy/pledges/2/close", {"coordinator"}),
    ("/levy/pledges/<int:pledge_id>/apply", "/levy/pledges/2/apply", {"coordinator", "employer"}),
    ("/levy/applications", "/levy/applications", {"coordinator", "employer"}),
    ("/levy/applications/<int:application_id>", "/levy/applications/4", {"coordinator", "employer"}),
    ("/levy/applications/<int:application_id>/<any(approve, reject, accept, decline, withdraw):step>",
     "/levy/applications/4/withdraw", {"coordinator", "employer"}),
    ("/levy/applications/<int:application_id>/apprentices/new", "/levy/applications/4/apprentices/new",
     {"coordinator"}),
    ("/levy/applications/<int:application_id>/apprentices/<int:apprentice_id>/edit",
     "/levy/applications/4/apprentices/4/edit", {"coordinator"}),
    ("/levy/applications/<int:application_id>/apprentices/<int:apprentice_id>/payment",
     "/levy/applications/4/apprentices/4/payment", {"coordinator"}),
    ("/levy/scheme", "/levy/scheme", {"coordinator"}),
    ("/levy/transfers", "/levy/transfers", {"coordinator"}),
    ("/levy/transfers/figures.csv", "/levy/transfers/figures.csv", {"coordinator"}),
    ("/levy/transfers/open-data.zip", "/levy/transfers/open-data.zip", {"coordinator"}),
    ("/levy/transfers/sharing/new", "/levy/transfers/sharing/new", {"coordinator"}),
    ("/levy/transfers/sharing/<int:link_id>", "/levy/transfers/sharing/999", {"coordinator": 404}),
    ("/levy/transfers/sharing/<int:link_id>/revoke", "/levy/transfers/sharing/999/revoke", {"coordinator": 404}),
]
POST_ONLY_ROUTES = [
    ("/users/<int:user_id>/invite", "/users/2/invite", {"coordinator"}),
    ("/users/<int:user_id>/reactivate", "/users/2/reactivate", {"coordinator"}),
    ("/apprentices/import/confirm", "/apprentices/import/confirm", {"coordinator"}),
    # A confirmation without its checked file shows the problem; a funding never agreed is not found.
    ("/levy/accounts/<int:account_id>/import/confirm", "/levy/accounts/1/import/confirm", {"coordinator"}),
    ("/levy/apprentices/<int:apprentice_id>/funding/remove", "/levy/apprentices/999/funding/remove",
     {"coordinator": 404}),
    ("/employers/<int:employer_id>/contacts/<int:contact_id>/invite", "/employers/1/contacts/1/invite",
     {"coordinator"}),
    ("/placements/<int:placement_id>/<any(submit, withdraw, close):action>", "/placements/1/withdraw", {"employer"}),
    ("/placements/<int:placement_id>/review", "/placements/1/review", {"coordinator"}),
    ("/log", "/log", {"apprentice"}),
    ("/log/<int:entry_id>/answer", "/log/{entry}/answer", {"apprentice"}),
    ("/log/<int:entry_id>/verify", "/log/{entry}/verify", {"mentor", "coordinator"}),
    ("/verification/verify", "/verification/verify", {"mentor", "coordinator"}),
    # Nothing named to undo: refused, back to the queue with the reason.
    ("/verification/undo", "/verification/undo", {"mentor", "coordinator"}),
    # Mentors sign only reviews that name them, when the programme asks mentors to sign (not in the demo).
    ("/reviews/<int:review_id>/sign", "/reviews/{review}/sign", {"coordinator", "employer", "apprentice"}),
    # An agreed action that is no one's (the demo's next review is not held yet, so it has none): not found
    # for those who may mark actions done, refused for the others.
    ("/reviews/<int:review_id>/actions/<int:action_id>/<any(done, undone):step>",
     "/reviews/{review}/actions/999/done", {"coordinator": 404, "mentor": 404, "apprentice": 404}),
    # Whoever records or signs the review attaches files to it (the demo employer hosts it); nothing sent is an error.
    ("/reviews/<int:review_id>/evidence", "/reviews/{review}/evidence",
     {"coordinator", "mentor", "employer", "apprentice"}),
    ("/account/two-factor/start", "/account/two-factor/start", {"coordinator", "mentor", "employer", "apprentice"}),
    # Someone else's notification, or none: nothing changes, and the person is sent back to their list.
    ("/notifications/<int:notification_id>/done", "/notifications/999/done",
     {"coordinator", "mentor", "employer", "apprentice"}),
    ("/notifications/done", "/notifications/done", {"coordinator", "mentor", "employer", "apprentice"}),
]
PUBLIC_ENDPOINTS = {"static", "home.index", "auth.sign_in", "auth.sign_out", "auth.accept_invite",
                    "auth.forgotten_password", "auth.reset_link_sent", "auth.reset_password", "auth.two_factor_sign_in",
                    "reviews.calendar_feed", "summaries.summary", "summaries.summary_csv", "summaries.summary_json",
                    "summaries.summary_open_data",
                    "privacy.notice", "comparison.shared", "levy.shared_transfers",
                    "levy.shared_transfers_csv", "levy.shared_transfers_open_data"}


def test_every_route_has_exactly_one_permission_decorator(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, PERMISSION_ATTR), f"{rule.rule} has no permission decorator"
        permission = getattr(view, PERMISSION_ATTR)
        assert (permission == "public") == (rule.endpoint in PUBLIC_ENDPOINTS), rule.endpoint


def test_every_signed_in_route_is_in_the_role_matrix(app):
    listed = {rule for rule, _, _ in SIGNED_IN_ROUTES + POST_ONLY_ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in PUBLIC_ENDPOINTS:
            assert rule.rule in listed, f"{rule.rule} is missing from the permission matrix"


def test_the_app_refuses_to_start_with_a_view_that_has_no_decorator(tmp_path):
    app = Flask(__name__)
    app.add_url_rule("/open", "open", lambda: "data")
    with pytest.raises(RuntimeError, match="open"):
        require_every_view_has_permission(app)
    with pytest.raises(RuntimeError, match="two permission decorators"):
        public(public(lambda: "x"))
    assert create_app(TestConfig(f"sqlite:///{tmp_path}/x.db"))  # ours starts


def _demo_ids(app) -> dict[str, int]:
    """One of the demo apprentice's entries waiting for verification, and their next review."""
    from apprenticeships.models import LogEntry, ProgressReview, VerificationStatus

    with app.app_context():
        mine = sa.select(User.apprentice_id).where(User.email == "apprentice@example.org").scalar_subquery()
        return {
            "entry": db.session.scalar(sa.select(LogEntry.id).where(
                LogEntry.apprentice_id == mine, LogEntry.status == VerificationStatus.PENDING).limit(1)),
            "review": db.session.scalar(sa.select(ProgressReview.id).where(
                ProgressReview.apprentice_id == mine, ProgressReview.held_date.is_(None)).limit(1)),
        }


@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix(app, signed_in, role):
    client = signed_in(role)
    ids = _demo_ids(app)
    for _, path, allowed in SIGNED_IN_ROUTES:
        path = path.format(**ids)
        response = client.get(path)
        expected = (allowed.get(role, 200) if isinstance(allowed, dict) else 200) if role in allowed else 403
        assert response.status_code == expected, f"{role} GET {path}: {response.status_code}"
        if expected == 403:
            assert "You do not have access to this page" in response.get_data(as_text=True)


# Posted to after every other route: they remove the entry, or deactivate the user, that others act on.
POSTED_LAST = ("/log/<int:entry_id>/delete", "/users/<int:user_id>/deactivate")


def _post_routes(app) -> list[tuple[str, str, set | dict]]:
    """Every signed-in route that takes a POST, found by walking the URL map, with its path and roles."""
    listed = {rule: (path, allowed) for rule, path, allowed in SIGNED_IN_ROUTES + POST_ONLY_ROUTES}
    found = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if "POST" in rule.methods and rule.endpoint not in PUBLIC_ENDPOINTS},
                   key=lambda rule: (rule in POSTED_LAST, rule))
    assert found and all(rule in listed for rule in found), set(found) - set(listed)
    return [(rule, *listed[rule]) for rule in found]


def _csrf_token(client) -> str:
    """The session's CSRF token, read from a page as a browser would have it."""
    return csrf_token_from(client.get("/", follow_redirects=True).get_data(as_text=True))


@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix_for_posts_with_a_valid_csrf_token(app, signed_in, role):
    """Posts carry this session's own CSRF token, so what answers is the permission check, not CSRF."""
    client = signed_in(role)
    ids = _demo_ids(app)
    token = _csrf_token(client)
    routes = _post_routes(app)
    assert len(routes) == len([r for r in app.url_map.iter_rules()
                               if "POST" in r.methods and r.endpoint not in PUBLIC_ENDPOINTS])
    for rule, path, allowed in routes:
        path = path.format(**ids)
        response = client.post(path, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        body = response.get_data(as_text=True)
        assert "Your form could not be sent" not in body, f"{role} POST {path}: refused by CSRF"
        if role in allowed:
            expected = (allowed[role],) if isinstance(allowed, dict) and role in allowed \
                and allowed[role] not in (200, 303) else (200, 303)
            assert response.status_code in expected, f"{role} POST {path}: {response.status_code}"
        else:
            assert response.status_code in (403, 404), f"{role} POST {path}: {response.status_code}"
            if response.status_code == 403:
                assert "You do not have access to this page" in body
            assert rule  # each rule is posted to once, as every role


def test_signed_out_people_are_sent_to_sign_in_from_every_signed_in_route(app, client):
    ids = _demo_ids(app)
    for _, path, _ in SIGNED_IN_ROUTES:
        response = client.get(path.format(**ids))
        assert response.status_code == 303, path
        assert response.headers["Location"].startswith("/sign-in?next=")
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    for _, path, _ in _post_routes(app):
        response = client.post(path.format(**ids), data={"csrf_token": token})
        assert response.status_code == 303, path
        assert response.headers["Location"].startswith("/sign-in?next=")


def _visible_ids(app, email: str) -> set[int]:
    from apprenticeships.permissions import visible_apprentices_condition

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        return set(db.session.scalars(sa.select(Apprentice.id).where(visible_apprentices_condition(user))))


def test_object_level_rules_for_apprentice_records(app):
    with app.app_context():
        everyone = set(db.session.scalars(sa.select(Apprentice.id)))
        users = {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@example.org")))}
        mentees = set(db.session.scalars(
            sa.select(Apprentice.id).where(Apprentice.mentor_id == users[Role.MENTOR].mentor_id,
                                           Apprentice.status.in_(ApprenticeStatus.CURRENT))))
        former = set(db.session.scalars(
            sa.select(Apprentice.id).where(Apprentice.mentor_id == users[Role.MENTOR].mentor_id,
                                           Apprentice.status.not_in(ApprenticeStatus.CURRENT))))
        own = users[Role.APPRENTICE].apprentice_id
    assert _visible_ids(app, "coordinator@example.org") == everyone
    # Current mentees only: the mentor's pages never list those who have left.
    assert _visible_ids(app, "mentor@example.org") == mentees and own in mentees and mentees < everyone
    assert former and not former & mentees
    assert _visible_ids(app, "apprentice@example.org") == {own}
    hosted = _visible_ids(app, "employer@example.org")
    assert own in hosted and len(hosted) == 2  # the demo apprentice, and one proposed to them


def test_an_apprentice_record_you_may_not_see_is_a_404_like_one_that_does_not_exist(app):
    from werkzeug.exceptions import NotFound

    from apprenticeships.permissions import apprentice_or_404

    with app.test_request_context():
        users = {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@example.org")))}
        # Callum Murphy: not the demo apprentice, not the demo mentor's mentee, not with the demo employer.
        someone_else = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Callum"))
        own = users[Role.APPRENTICE].apprentice_id
        assert apprentice_or_404(own, users[Role.APPRENTICE]).id == own
        for role in (Role.APPRENTICE, Role.MENTOR, Role.EMPLOYER):
            with pytest.raises(NotFound):
                apprentice_or_404(someone_else, users[role])
        with pytest.raises(NotFound):
            apprentice_or_404(999_999, users[Role.COORDINATOR])
