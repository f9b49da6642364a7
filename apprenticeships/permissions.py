"""Who may do what, in one place.

Every view carries exactly one of the decorators below (`public` or `roles`);
create_app refuses to start if one does not, and a test walks the URL map to prove it.

Object-level rules (a mentor sees only their current mentees, an employer only the
apprentices placed with it and their reviews from the start of the placement, an apprentice
only themself) are expressed as SQL conditions here, so lists and single-record look-ups use
the same rule, and a record someone may not see answers 404 exactly like one that does not exist.

An apprentice who has withdrawn or completed keeps read-only access to their own record for
a while after the end (APPRENTICE_ACCESS_AFTER_END), then can no longer sign in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, render_template, request
from flask_login import current_user

from .errors import SAFE_METHODS
from .extensions import db, login_manager
from .models import (
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    Placement,
    PlacementAssignment,
    PlacementStatus,
    ProgressReview,
    Role,
    User,
)

F = TypeVar("F", bound=Callable[..., Any])
PERMISSION_ATTR = "_permission"

def _mark(view: Callable, rule: str) -> None:
    if hasattr(view, PERMISSION_ATTR):
        raise RuntimeError(f"{view.__name__} has two permission decorators")
    setattr(view, PERMISSION_ATTR, rule)


def public(view: F) -> F:
    """Anyone, signed in or not."""
    _mark(view, "public")
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Signed-in users with one of these roles; others get 403 and never the data."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            if _changes_something() and record_is_read_only(current_user):
                return render_template("errors/403.html", message=READ_ONLY_MESSAGE), 403
            return view(*args, **kwargs)

        _mark(wrapped, "roles:" + ",".join(sorted(r.value for r in allowed)))
        return wrapped  # type: ignore[return-value]

    return decorator


def require_every_view_has_permission(app: Flask) -> None:
    # Flask's own static view is public by nature; mark it so the rule has no exceptions.
    if "static" in app.view_functions and not hasattr(app.view_functions["static"], PERMISSION_ATTR):
        app.view_functions["static"] = public(_plain(app.view_functions["static"]))
    missing = [name for name, view in app.view_functions.items() if not hasattr(view, PERMISSION_ATTR)]
    if missing:
        raise RuntimeError(f"views without a permission decorator: {', '.join(sorted(missing))}")


def _plain(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapped


FINISHED = (ApprenticeStatus.WITHDRAWN, ApprenticeStatus.COMPLETED)
READ_ONLY_MESSAGE = ("Your apprenticeship has ended. You can still read your record: your progress, your log "
                     "and your reviews, but you cannot add to it, change it or sign anything.")


# Pages that take a form but are also worth reading when nothing may be changed (a placement's
# details): for a read-only record they open, and only their form's post is refused.
READABLE_FORM_PAGES = {"placements.opportunity"}


def _changes_something() -> bool:
    """A post, or the page of a form whose only use is to change something (an entry's edit page)."""
    if request.method not in SAFE_METHODS:
        return True
    rule = request.url_rule
    return rule is not None and "POST" in (rule.methods or ()) and request.endpoint not in READABLE_FORM_PAGES


def apprenticeship_ended_on(apprentice: Apprentice) -> date | None:
    """The day a withdrawn or completed apprentice left the programme; None while they are on it."""
    if apprentice.status == ApprenticeStatus.WITHDRAWN:
        return apprentice.withdrawal_date
    if apprentice.status == ApprenticeStatus.COMPLETED:
        return apprentice.completion_date
    return None


def record_is_read_only(user: User) -> bool:
    """An apprentice whose apprenticeship has ended may read their own record but not change it."""
    return user.role == Role.APPRENTICE and user.apprentice is not None and user.apprentice.status in FINISHED


def access_ends_on(user: User, after_end: timedelta) -> date | None:
    """The last day this user may sign in: for an apprentice who has left, `after_end` after leaving."""
    if user.role != Role.APPRENTICE or user.apprentice is None:
        return None
    ended = apprenticeship_ended_on(user.apprentice)
    return None if ended is None else ended + after_end


def may_sign_in(user: User, today: date, after_end: timedelta) -> bool:
    """Apprentices who have left may sign in until their access ends; anonymised records never."""
    if user.role == Role.APPRENTICE and (user.apprentice is None or user.apprentice.anonymised_at is not None):
        return False
    ends = access_ends_on(user, after_end)
    return ends is None or today <= ends


def visible_apprentices_condition(user: User) -> sa.ColumnElement[bool]:
    """The SQL condition on Apprentice that selects the apprentices this user may see."""
    return for_viewer(_visible_to(user.role), user)


def viewer(user: User) -> dict[str, int | None]:
    """The values of the parameters that rules written for a role (`_visible_to`) name the person's
    records by: the mentor, apprentice or employer partner their account acts for."""
    return {"viewer_mentor_id": user.mentor_id, "viewer_apprentice_id": user.apprentice_id,
            "viewer_employer_id": user.employer_id}


def viewer_key(user: User) -> tuple:
    """Whose records a user sees, as a key for results kept for them (changes.cached): their role and
    the records their account acts for."""
    return (user.role, *viewer(user).values())


def for_viewer(rule: sa.ColumnElement[bool], user: User) -> sa.ColumnElement[bool]:
    """A rule written for the user's role with `viewer` parameters, with this user's values in it."""
    if isinstance(rule, sa.sql.elements.True_ | sa.sql.elements.False_):
        return rule  # everyone or no one: a constant, with no parameter (and SQLAlchemy cannot copy it)
    return rule.params(**viewer(user))


@functools.cache
def _visible_to(role: Role) -> sa.ColumnElement[bool]:
    """The rule of `visible_apprentices_condition` for a role, with parameters for whose account it is
    (`viewer`): written once, so that a statement built once for a role (`apprentice_or_404`'s) and
    the conditions built for one person are the same rule."""
    if role == Role.COORDINATOR:
        return sa.true()
    if role == Role.MENTOR:
        # Current mentees only: the mentor's pages list no others (a mentee who has left, or
        # moved to another mentor, is no longer theirs to see).
        return sa.and_(Apprentice.mentor_id == sa.bindparam("viewer_mentor_id", type_=sa.Integer),
                       Apprentice.status.in_(ApprenticeStatus.CURRENT))
    if role == Role.APPRENTICE:
        return Apprentice.id == sa.bindparam("viewer_apprentice_id", type_=sa.Integer)
    if role == Role.EMPLOYER:
        hosted = (
            sa.select(PlacementAssignment.apprentice_id)
            .join(Placement, Placement.id == PlacementAssignment.placement_id)
            .where(Placement.employer_id == sa.bindparam("viewer_employer_id", type_=sa.Integer),
                   PlacementAssignment.status.in_(AssignmentStatus.HOSTING))
        )
        return Apprentice.id.in_(hosted)
    return sa.false()


def apprentice_or_404(apprentice_id: int, user: User, *options) -> Apprentice:
    """The apprentice if this user may see them; otherwise 404, as if they did not exist. `options`:
    what to load with them in the same statement (joinedload(...))."""
    apprentice = db.session.scalars(_apprentice_if_visible(user.role, options),
                                    {"apprentice_id": apprentice_id, **viewer(user)}).unique().first()
    if apprentice is None:
        abort(404)
    return apprentice


@functools.lru_cache(maxsize=64)
def _apprentice_if_visible(role: Role, options: tuple) -> sa.Select:
    # Built once for each role and set of options (the pages' own constants), as most pages run it:
    # see pagination.Listing for why.
    return (sa.select(Apprentice).where(Apprentice.id == sa.bindparam("apprentice_id", type_=sa.Integer),
                                        _visible_to(role)).options(*options))


def subject_access_or_404(apprentice_id: int, user: User) -> Apprentice:
    """Whose copy of everything held (subject access) this user may download: a coordinator
    anyone's, an apprentice their own. For anyone else it does not exist (404)."""
    if user.role not in (Role.COORDINATOR, Role.APPRENTICE):
        abort(404)
    return apprentice_or_404(apprentice_id, user)


def placement_or_404(placement_id: int, user: User) -> Placement:
    """A placement this user may see: coordinators any, employers their own, apprentices published ones."""
    condition = sa.true()
    if user.role == Role.EMPLOYER:
        condition = Placement.employer_id == user.employer_id
    elif user.role != Role.COORDINATOR:
        condition = Placement.status == PlacementStatus.PUBLISHED
    placement = db.session.scalar(sa.select(Placement).where(Placement.id == placement_id, condition))
    if placement is None:
        abort(404)
    return placement


def assignment_or_404(assignment_id: int, user: User) -> PlacementAssignment:
    """A proposal or placement of an apprentice: coordinators any, employers only on their own placements."""
    query = sa.select(PlacementAssignment).where(PlacementAssignment.id == assignment_id)
    if user.role == Role.EMPLOYER:
        query = query.join(Placement).where(Placement.employer_id == user.employer_id)
    elif user.role != Role.COORDINATOR:
        abort(404)
    assignment = db.session.scalar(query)
    if assignment is None:
        abort(404)
    return assignment


def entry_or_404(entry_id: int, user: User):
    """A log entry of an apprentice this user may see (employers see none)."""
    from .models import LogEntry

    if user.role == Role.EMPLOYER:
        abort(404)
    entry = db.session.scalar(sa.select(LogEntry).join(Apprentice).where(
        LogEntry.id == entry_id, visible_apprentices_condition(user)))
    if entry is None:
        abort(404)
    return entry


def _hosting(apprentice_id, on) -> list[sa.ColumnElement[bool]]:
    """A placement of this apprentice, accepted or under way, that had started by the day `on`,
    and that the employer had accepted by then: nothing from before they took the apprentice on."""
    return [PlacementAssignment.apprentice_id == apprentice_id,
            PlacementAssignment.status.in_(AssignmentStatus.PLACED), PlacementAssignment.start_date <= on,
            sa.or_(PlacementAssignment.decided_at.is_(None),
                   sa.func.date(PlacementAssignment.decided_at, type_=sa.Date) <= on)]


def review_hosted_condition(employer_id: int | None = None) -> sa.ColumnElement[bool]:
    """The SQL condition on ProgressReview: it falls in a placement of its apprentice with this
    employer (with any employer when None) that had started by the review's date (the day it was
    held, else the day it is scheduled for). That employer hosts the review: sees it and signs
    its employer part. Reviews from before the placement are not theirs."""
    hosting = (sa.select(PlacementAssignment.id)
               .join(Placement, Placement.id == PlacementAssignment.placement_id)
               .where(*_hosting(ProgressReview.apprentice_id,
                                sa.func.coalesce(ProgressReview.held_date, ProgressReview.scheduled_date))))
    if employer_id is not None:
        hosting = hosting.where(Placement.employer_id == employer_id)
    return hosting.exists()


def review_host(review: ProgressReview) -> int | None:
    """The employer partner that hosts this review (the same rule as review_hosted_condition), if any."""
    return db.session.scalar(
        sa.select(Placement.employer_id).join(PlacementAssignment, PlacementAssignment.placement_id == Placement.id)
        .where(*_hosting(review.apprentice_id, review.held_date or review.scheduled_date))
        .order_by(PlacementAssignment.start_date.desc()).limit(1))


def visible_reviews_condition(user: User) -> sa.ColumnElement[bool]:
    """The SQL condition on ProgressReview (joined to its Apprentice) for the reviews this user may see."""
    if user.role == Role.EMPLOYER:
        return review_hosted_condition(user.employer_id)
    if user.role == Role.MENTOR:
        # Their mentees' reviews, and any review they were asked to sign as the mentor at the
        # time (still theirs to sign after the apprentice moves to another mentor).
        return sa.or_(visible_apprentices_condition(user), ProgressReview.signing_mentor_id == user.mentor_id)
    return visible_apprentices_condition(user)


def may_record_review(user: User, review: ProgressReview) -> bool:
    """Who records or corrects a review: coordinators, and the apprentice's current mentor.

    A mentor who still signs a review after their mentee moved on (visible_reviews_condition)
    may read and sign it, but the record is the new mentor's to change.
    """
    if user.role == Role.COORDINATOR:
        return True
    apprentice = review.apprentice
    return (user.role == Role.MENTOR and apprentice.mentor_id == user.mentor_id
            and apprentice.status in ApprenticeStatus.CURRENT)


def may_mark_actions_done(user: User, review: ProgressReview) -> bool:
    """Who marks a review's agreed actions done (or not done again): the apprentice, for their own
    reviews, and whoever may record the review (coordinators, the apprentice's current mentor),
    signed off or not: an action is done after the review. Never an apprentice who has left."""
    if review.held_date is None or record_is_read_only(user):
        return False
    if user.role == Role.APPRENTICE:
        return user.apprentice_id == review.apprentice_id
    return may_record_review(user, review)


def review_or_404(review_id: int, user: User) -> ProgressReview:
    """A progress review this user may see (employers: only those held since they host the apprentice)."""
    review = db.session.scalar(sa.select(ProgressReview).join(Apprentice).where(
        ProgressReview.id == review_id, visible_reviews_condition(user)))
    if review is None:
        abort(404)
    return review


def evidence_or_404(file_id: int, user: User):
    """An evidence file this user may see. On a log entry: as they see the entry (the apprentice,
    their current mentor, coordinators; employers never). On a review: as they see the review (an
    employer only those it hosts, a mentor those of their mentees or that they sign). Otherwise
    404, as if it did not exist. The same rule for downloads, thumbnails and removing."""
    from .models import EvidenceFile

    on_entry = sa.false() if user.role == Role.EMPLOYER else visible_apprentices_condition(user)
    file = db.session.scalar(
        sa.select(EvidenceFile).join(Apprentice, Apprentice.id == EvidenceFile.apprentice_id)
        .outerjoin(ProgressReview, ProgressReview.id == EvidenceFile.review_id)
        .where(EvidenceFile.id == file_id, sa.or_(
            sa.and_(EvidenceFile.log_entry_id.is_not(None), on_entry),
            sa.and_(EvidenceFile.review_id.is_not(None), visible_reviews_condition(user)))))
    if file is None:
        abort(404)
    return file


def may_attach_to_review(user: User, review: ProgressReview, host: int | None = ...) -> bool:
    """Who attaches files to a review (a signed training plan, a provider's report): whoever may
    record it or sign it (its apprentice, its signing mentor, its host employer, coordinators),
    while it is not locked; never an apprentice who has left."""
    if review.locked_at is not None or record_is_read_only(user):
        return False
    if user.role == Role.COORDINATOR or may_record_review(user, review):
        return True
    if user.role == Role.APPRENTICE:
        return user.apprentice_id == review.apprentice_id
    if user.role == Role.MENTOR:
        return review.signing_mentor_id is not None and review.signing_mentor_id == user.mentor_id
    if user.role == Role.EMPLOYER:
        host = review_host(review) if host is ... else host
        return host is not None and host == user.employer_id
    return False


def may_remove_evidence(user: User, file) -> bool:
    """A file on a log entry: its apprentice, until the entry is verified. On a review: whoever
    attached it, or anyone who may record the review, until it is locked."""
    from .models import VerificationStatus

    if record_is_read_only(user):
        return False
    if file.log_entry_id is not None:
        return (user.role == Role.APPRENTICE and user.apprentice_id == file.apprentice_id
                and file.log_entry.status != VerificationStatus.VERIFIED)
    return file.review.locked_at is None and (file.uploaded_by_id == user.id or may_record_review(user, file.review))


def levy_application_or_404(application_id: int, user: User):
    """A levy transfer application: coordinators any; an employer partner's users only their own
    organisation's; nobody else. One another employer made is not found (404), as if it did not exist."""
    from .models import LevyApplication

    query = sa.select(LevyApplication).where(LevyApplication.id == application_id)
    if user.role == Role.EMPLOYER:
        query = query.where(LevyApplication.employer_id == user.employer_id)
    elif user.role != Role.COORDINATOR:
        abort(404)
    application = db.session.scalar(query)
    if application is None:
        abort(404)
    return application
