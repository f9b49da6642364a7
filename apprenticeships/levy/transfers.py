"""Levy transfers: pledges, applications and their decisions, transfer apprentices and their payments,
the scheme's local rules, and the outcomes with their share links (coordinators). Employer partners see
their own applications and apply to open pledges. The rules are in services/levy_transfers.py."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import once
from ..errors import on_refusal_go_to
from ..extensions import db, limiter
from ..models import (
    ApplicationStatus,
    EmployerPartner,
    LevyPledge,
    PledgeStatus,
    Role,
    TransferApprentice,
    TransferShareLink,
)
from ..permissions import levy_application_or_404, public, roles
from ..security import no_referrer
from ..services import levy_ledger, levy_outcomes, levy_transfers, open_data, sharing, spreadsheets, summaries
from ..services.levy_transfers import STEPS
from ..summaries.forms import ShareLinkForm
from ..text import money
from ..transactions import records_a_view
from ..users.forms import ConfirmForm
from ..versioning import conflict_shown_on
from . import bp
from .transfer_forms import (
    ApplicationForm,
    DecisionForm,
    PaymentForm,
    PledgeForm,
    SchemeForm,
    TransferApprenticeForm,
)

MONEY = {"params": {"prefix": {"text": "£"}, "classes": "govuk-input--width-10", "inputmode": "decimal",
                    "spellcheck": False}}
INLINE = {"params": {"classes": "govuk-radios--inline"}}


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


# --- Pledges -------------------------------------------------------------------------------------


@bp.get("/pledges")
@roles(Role.COORDINATOR)
def pledges():
    """The transfer allowance of each account this year (and next year's, once known or pledged from), and
    every pledge with what it has committed and paid."""
    years = levy_transfers.allowance_years()
    return render_template("levy/transfers/pledges.html", years=years, page=levy_transfers.pledges(_page()),
                           allowances=years[0][1])


@bp.route("/pledges/new", methods=["GET", "POST"], defaults={"pledge_id": None})
@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def pledge_form(pledge_id: int | None):
    """Pledge part of this year's transfer allowance to local employers, or change a pledge."""
    pledge = db.get_or_404(LevyPledge, pledge_id) if pledge_id else None
    accounts = levy_transfers.accounts()
    if pledge is None and not accounts:
        return render_template("levy/transfers/no_account.html", title="Pledge part of the transfer allowance")
    if pledge is not None and pledge.status is not PledgeStatus.OPEN:
        flash(f"{pledge.title} is closed, so it cannot be changed.", "error")
        return redirect(url_for("levy.pledge", pledge_id=pledge.id), code=303)
    years = levy_transfers.pledge_years() if pledge is None else []
    form = PledgeForm(pledge=pledge, accounts=accounts, years=years)
    if form.validate_on_submit():
        if pledge is None:
            account = next(a for a in accounts if a.id == int(form.account_id.data))
            pledge = levy_transfers.create_pledge(current_user, account, form.chosen_year(), form.values())
            flash(f"{pledge.title} pledged.", "success")
            return redirect(url_for("levy.pledge", pledge_id=pledge.id), code=303)
        with conflict_shown_on(form, pledge, "pledge"):
            levy_transfers.edit_pledge(current_user, pledge, form.values(), version=form.seen_version())
            flash(f"{pledge.title} saved.", "success")
            return redirect(url_for("levy.pledge", pledge_id=pledge.id), code=303)
    field_params = {"amount": MONEY}
    if pledge is not None:
        intro = f"Pledged from the {pledge.account.name} account’s {_year_label(pledge.year)} transfer allowance."
    elif "year" in form:
        intro = ("A pledge comes from one financial year’s transfer allowance: this year’s, or next year’s now that "
                 "it is known.")
        field_params["year"] = {"params": {"items": form.year_hints()}}
    else:
        this_year, following = years[0].year, levy_transfers.FinancialYear(years[0].year.year + 1)
        intro = " ".join(f"{account.name}: {money(summary.left)} of the {this_year.label} allowance is left to pledge."
                         for account, summary in years[0].allowances)
        intro += (f" The {following.label} allowance can be pledged once the funds for March {following.year} are "
                  "in the ledger.")
    return render_template("form_page.html", form=form, intro=intro,
                           title=f"Edit {pledge.title}" if pledge else "Pledge part of the transfer allowance",
                           back=url_for("levy.pledge", pledge_id=pledge.id) if pledge else url_for("levy.pledges"),
                           field_params=field_params)


def _year_label(year: int) -> str:
    return levy_transfers.FinancialYear(year).label


@bp.get("/pledges/<int:pledge_id>")
@roles(Role.COORDINATOR)
def pledge(pledge_id: int):
    """A pledge: its criteria and money, its outcomes, and its applications checked against the rules."""
    pledge = db.get_or_404(LevyPledge, pledge_id)
    return render_template(
        "levy/transfers/pledge.html", pledge=pledge, row=levy_transfers.pledge_row(pledge),
        outcomes=levy_outcomes.by_pledge([pledge.id]).get(pledge.id, levy_outcomes.Outcomes()),
        page=levy_transfers.applications(_page(), pledge_id=pledge.id),
        rules=levy_transfers.rules_for(pledge, levy_transfers.scheme()))


@bp.route("/pledges/<int:pledge_id>/close", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def close_pledge(pledge_id: int):
    """Ask to confirm, then close a pledge to new applications."""
    pledge = db.get_or_404(LevyPledge, pledge_id)
    back = url_for("levy.pledge", pledge_id=pledge.id)
    if pledge.status is not PledgeStatus.OPEN:
        flash(f"{pledge.title} is already closed.", "error")
        return redirect(back, code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        on_refusal_go_to(back)
        levy_transfers.close_pledge(current_user, pledge)
        flash(f"{pledge.title} is closed. What it had not committed is back in the transfer allowance.", "success")
        return redirect(back, code=303)
    problem = levy_transfers.close_problem(levy_transfers.pending_count(pledge))
    return render_template(
        "confirm_page.html", title=f"Close {pledge.title}?", confirm="Yes, close the pledge", back=back,
        explanation=[problem + "." if problem else
                     "Employers can no longer apply to it. Applications already approved keep their funds; what it "
                     "has not committed goes back to the transfer allowance, to pledge again.",
                     "Close it on the apprenticeship service too. A closed pledge cannot be opened again."])


@bp.route("/pledges/<int:pledge_id>/apply", methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.EMPLOYER)
def apply(pledge_id: int):
    """An application to an open pledge: an employer partner's own, or the coordinator's record of one
    made through the apprenticeship service."""
    pledge = db.get_or_404(LevyPledge, pledge_id)
    by_employer = current_user.role == Role.EMPLOYER
    if by_employer and pledge.status is not PledgeStatus.OPEN:
        abort(404)  # employers see only open pledges
    if pledge.status is not PledgeStatus.OPEN:
        flash(f"{pledge.title} is closed to new applications.", "error")
        return redirect(url_for("levy.pledge", pledge_id=pledge.id), code=303)
    local = levy_transfers.scheme()
    left = levy_transfers.left_on(pledge)
    if left <= 0:  # every pound committed to approved applications: no form that could only be refused
        flash(f"Nothing is left to apply for on {pledge.title}: all of its funds are committed to approved "
              "applications. If one is withdrawn, its money can be applied for again.", "error")
        return redirect(url_for("levy.applications") if by_employer
                        else url_for("levy.pledge", pledge_id=pledge.id), code=303)
    # An employer's own: whether it pays the levy answered already, when its record says (it can change it).
    known = current_user.employer.pays_levy if by_employer else None
    form = ApplicationForm(by_employer=by_employer, left=left, min_wage=local.min_hourly_wage_pence,
                           data={} if known is None else {"employer_pays_levy": "yes" if known else "no"})
    if form.validate_on_submit():
        employer = current_user.employer if by_employer else db.session.get(
            EmployerPartner, int(form.employer_id.data))
        application = levy_transfers.create_application(current_user, pledge, employer, form.values())
        flash("Application sent. The council will tell you its decision." if by_employer
              else f"Application from {employer.name} saved.", "success")
        return redirect(url_for("levy.application", application_id=application.id), code=303)
    return render_template(
        "levy/transfers/apply.html", form=form, pledge=pledge, by_employer=by_employer, left=left,
        rules=levy_transfers.rules_for(pledge, local),
        already=levy_transfers.pending_from(pledge, current_user.employer_id) if by_employer else None,
        likely=levy_transfers.likely_problems(pledge, current_user.employer, local) if by_employer else None,
        title=f"Apply to {pledge.title}" if by_employer else f"Record an application to {pledge.title}",
        back=url_for("levy.applications") if by_employer else url_for("levy.pledge", pledge_id=pledge.id),
        field_params={"amount": MONEY, "hourly_wage": MONEY, "employer_pays_levy": INLINE,
                      "apprentices_live_in_borough": INLINE,
                      "apprentices_planned": {"params": {"classes": "govuk-input--width-4", "inputmode": "numeric"}},
                      "service_reference": {"params": {"classes": "govuk-input--width-10", "spellcheck": False}}})


# --- Applications --------------------------------------------------------------------------------


@bp.get("/applications")
@roles(Role.COORDINATOR, Role.EMPLOYER)
def applications():
    """Applications with their status and money, and the rules each does not meet. An employer partner
    sees only its own, and the pledges open to apply to."""
    status = ApplicationStatus._value2member_map_.get(request.args.get("status", ""))
    if current_user.role == Role.EMPLOYER:
        employer, local = current_user.employer, levy_transfers.scheme()
        open_pledges = levy_transfers.pledges(1, open_only=True)
        return render_template(
            "levy/transfers/employer_applications.html", employer=employer,
            page=levy_transfers.applications(_page(), employer_id=employer.id, to_employer=True),
            open_pledges=open_pledges,
            likely={row.pledge.id: levy_transfers.likely_problems(row.pledge, employer, local).all
                    for row in open_pledges.items})
    return render_template("levy/transfers/applications.html", status=status, statuses=ApplicationStatus,
                           page=levy_transfers.applications(_page(), status=status),
                           counts=levy_outcomes.statuses_counted())


@bp.get("/applications/<int:application_id>")
@roles(Role.COORDINATOR, Role.EMPLOYER)
def application(application_id: int):
    """An application: what it asks for, the rules it does not meet, its decision, and its apprentices
    with their payments month by month."""
    application = levy_application_or_404(application_id, current_user)
    apprentices = levy_transfers.funded(list(application.apprentices))
    used = sum(a.paid for a in apprentices)
    employer_view = current_user.role == Role.EMPLOYER
    checked = levy_transfers.assess(application, to_employer=employer_view)
    return render_template(
        "levy/transfers/application.html", application=application, apprentices=apprentices, used=used,
        allocated=levy_transfers.allocated(application, apprentices), problems=checked.problems, notes=checked.notes,
        from_apprentices=checked.from_apprentices,
        committed=application.status in levy_transfers.COMMITTED,
        steps=levy_transfers.steps_from(application.status, employer=employer_view), employer_view=employer_view,
        band=levy_transfers.band_for(application.standard_id), today=date.today(),
        contact=levy_transfers.council_contact(application)
        if employer_view and application.status is ApplicationStatus.ACCEPTED else None)


@bp.route("/applications/<int:application_id>/<any(approve, reject, accept, decline, withdraw):step>",
          methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.EMPLOYER)
def decide(application_id: int, step: str):
    """Move an application on, as DfE's lifecycle allows: the council approves or rejects; the employer
    accepts or declines the funds, or withdraws. Each asks to confirm; approving one that does not meet
    every rule asks why."""
    application = levy_application_or_404(application_id, current_user)
    move = STEPS[step]
    back = url_for("levy.application", application_id=application.id)
    employer_view = current_user.role == Role.EMPLOYER
    if employer_view and not move.employer_may:
        abort(404)
    if application.status not in move.came_from:
        flash(levy_transfers.why_not(application.status, move) + ".", "error")
        return redirect(back, code=303)
    checked = levy_transfers.assess(application) if step == "approve" else levy_transfers.Assessment([], [])
    problems = checked.problems
    left = levy_transfers.left_on(application.pledge) if step == "approve" else None
    in_learning = (levy_transfers.still_in_learning(levy_transfers.funded(list(application.apprentices)))
                   if step == "withdraw" else (0, 0))
    form = DecisionForm(
        data={"seen": application.status.value},
        reason_label={"approve": "Why approve it anyway?" if problems else None,
                      "reject": "Reason for rejecting it (optional)"}.get(step),
        reason_needed="Enter why you are approving it anyway" if problems else None)
    if form.validate_on_submit():
        on_refusal_go_to(back)
        reason = (form.reason.data or "").strip() or None if step in ("approve", "reject") else None
        levy_transfers.decide(current_user, application, step, reason, seen=form.seen_status())
        # What to do next is in the page's "What happens next" box, just below the banner.
        flash({"accept": "You accepted the funds.",
               "decline": "You declined the transfer.",
               "withdraw": "You withdrew your application."}[step] if employer_view
              else f"The application from {application.employer.name} is {move.done}.", "success")
        return redirect(back, code=303)
    return render_template("levy/transfers/decide.html", form=form, application=application, move=move,
                           problems=problems, notes=checked.notes, back=back, employer_view=employer_view,
                           over_pledge=left is not None and application.amount_pence > left,
                           in_learning=in_learning[0], still_to_pay=in_learning[1],
                           title=_decision_title(step, application.employer.name, employer_view),
                           button=_decision_button(step, employer_view))


def _decision_title(step: str, employer: str, employer_view: bool) -> str:
    if employer_view:
        return {"accept": "Accept the funds?", "decline": "Decline the funds?",
                "withdraw": "Withdraw your application?"}[step]
    return {"approve": f"Approve the application from {employer}?",
            "reject": f"Reject the application from {employer}?",
            "accept": f"Record that {employer} accepted the funds?",
            "decline": f"Record that {employer} declined the funds?",
            "withdraw": f"Record that {employer} withdrew the application?"}[step]


def _decision_button(step: str, employer_view: bool) -> str:
    if employer_view or step in ("approve", "reject"):
        return {"approve": "Approve the application", "reject": "Reject the application", "accept": "Accept the funds",
                "decline": "Decline the funds", "withdraw": "Withdraw the application"}[step]
    return {"accept": "Yes, they accepted", "decline": "Yes, they declined", "withdraw": "Yes, they withdrew"}[step]


# --- Transfer apprentices and payments -------------------------------------------------------------


def _apprentice_or_404(application_id: int, apprentice_id: int) -> TransferApprentice:
    apprentice = db.get_or_404(TransferApprentice, apprentice_id)
    if apprentice.application_id != application_id:
        abort(404)
    return apprentice


@bp.route("/applications/<int:application_id>/apprentices/new", methods=["GET", "POST"],
          defaults={"apprentice_id": None})
@bp.route("/applications/<int:application_id>/apprentices/<int:apprentice_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def apprentice_form(application_id: int, apprentice_id: int | None):
    """Add an apprentice funded by an accepted application, or change one (their outcome too)."""
    application = levy_application_or_404(application_id, current_user)
    apprentice = _apprentice_or_404(application.id, apprentice_id) if apprentice_id else None
    back = url_for("levy.application", application_id=application.id)
    if apprentice is None and application.status is not ApplicationStatus.ACCEPTED:
        flash("Apprentices are added while the employer has accepted the funds and some are left.", "error")
        return redirect(back, code=303)
    minimum = levy_transfers.scheme().min_hourly_wage_pence
    form = TransferApprenticeForm(apprentice=apprentice, application=application, min_wage=minimum)
    if form.validate_on_submit():
        on_refusal_go_to(request.path)
        row = apprentice or TransferApprentice()
        with conflict_shown_on(form, row, "apprentice"):
            levy_transfers.save_apprentice(current_user, application, row, form.values(),
                                           version=form.seen_version())
            below = levy_transfers.wage_problem(row.hourly_wage_pence, minimum)
            flash(f"{row.reference} saved." + (f" {below}: the application shows this rule as not met." if below
                                               else ""), "success")
            return redirect(back + "#apprentices", code=303)
    return render_template(
        "form_page.html", form=form, back=back, caption=application.employer.name,
        title=f"Edit {apprentice.reference}" if apprentice else "Add a transfer apprentice",
        field_params={"price": MONEY, "hourly_wage": MONEY, "lives_in_borough": INLINE,
                      "reference": {"params": {"classes": "govuk-input--width-20", "spellcheck": False}}})


@bp.route("/applications/<int:application_id>/apprentices/<int:apprentice_id>/payment", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def payment(application_id: int, apprentice_id: int):
    """Record a transfer payment for an apprentice, as the apprenticeship service made it (the ledger's row)."""
    application = levy_application_or_404(application_id, current_user)
    apprentice = _apprentice_or_404(application.id, apprentice_id)
    back = url_for("levy.application", application_id=application.id)
    if application.status is not ApplicationStatus.ACCEPTED:
        flash("Payments are recorded while the application is accepted.", "error")
        return redirect(back, code=303)
    funded = levy_transfers.funded([apprentice])[0]
    due = funded.next_due
    today = date.today()
    form = PaymentForm(apprentice=apprentice, today=today,
                       data={"month": due[0] if due and due[0] <= today else None, "amount": due[1] if due else None})
    if form.validate_on_submit():
        on_refusal_go_to(request.path)
        levy_transfers.record_payment(current_user, apprentice, form.month.data, form.amount.pence, today)
        flash(f"Payment for {apprentice.reference} recorded.", "success")
        return redirect(back + "#apprentices", code=303)
    return render_template(
        "form_page.html", form=form, back=back, caption=f"{application.employer.name}: {apprentice.reference}",
        title="Record a transfer payment",
        intro=(f"{money(funded.paid)} of {money(apprentice.price_pence)} has been paid for {apprentice.reference}."
               + (f" The next instalment planned is {money(due[1])} in {due[0]:%B %Y}." if due else "")),
        field_params={"amount": MONEY})


# --- The scheme's rules ----------------------------------------------------------------------------


@bp.route("/scheme", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def scheme():
    """The council's local rules for transfers, checked against every application."""
    current = levy_transfers.scheme()
    form = SchemeForm(scheme=current)
    if form.validate_on_submit():
        with conflict_shown_on(form, current, "scheme’s rules"):
            levy_transfers.save_scheme(current_user, current, form.values(), version=form.seen_version())
            flash("The scheme’s rules are saved. Every application is checked against them.", "success")
            return redirect(url_for("levy.pledges"), code=303)
    return render_template("form_page.html", form=form, title="The scheme’s local rules", back=url_for("levy.pledges"),
                           intro="Rules of the council’s own for every transfer, beyond DfE’s and each pledge’s "
                                 "criteria. An application that does not meet them says why; approving it needs a "
                                 "reason.",
                           field_params={"min_hourly_wage": MONEY, "non_levy_employers_only": INLINE,
                                         "apprentices_in_borough_only": INLINE})


# --- Outcomes and their share links ------------------------------------------------------------------


@bp.get("/transfers")
@roles(Role.COORDINATOR)
def transfers():
    """What the transfers achieved, per pledge and overall, and the links that share a summary of them."""
    page = levy_outcomes.pledges_page(_page())
    today = date.today()
    return render_template("levy/transfers/outcomes.html", page=page, overall=levy_outcomes.overall(),
                           links=levy_outcomes.links(), today=today, council_set=open_data.council_set(),
                           open_data_year=levy_outcomes.open_data_period(today),
                           unmatched=levy_ledger.unmatched_transfers())


def _csv_response(figures: dict, as_of) -> Response:
    """The published figures as CSV, with the licence and the day they are as of."""
    content = spreadsheets.csv_text([("measure", "category", "value"), *levy_outcomes.csv_rows(figures),
                                     ("licence", summaries.LICENCE, summaries.LICENCE_URL),
                                     ("as_of", "", as_of.date().isoformat())])
    return Response(content, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="levy-transfers-summary-{as_of.date().isoformat()}.csv"'})


def _zip_response(figures: dict, as_of) -> Response:
    """The published figures as open data in DfE's format: a data file and its metadata, zipped."""
    pair = levy_outcomes.open_data_file(figures, as_of)
    return Response(open_data.as_zip(pair), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{pair.stem}_as_of_{as_of.date().isoformat()}.zip"'})


@bp.get("/transfers/figures.csv")
@records_a_view(writes=True)  # it may publish a new version of the figures
@roles(Role.COORDINATOR)
def transfers_csv():
    """The figures a share link would publish today, as CSV (published like a link's: the differencing
    rule holds across both)."""
    now = levy_outcomes.download(current_user, date.today(), "csv")
    return _csv_response(now.figures, now.as_of)


@bp.get("/transfers/open-data.zip")
@records_a_view(writes=True)  # it may publish a new version of the figures
@roles(Role.COORDINATOR)
def transfers_open_data():
    """The figures a share link would publish today, as open data in DfE's format."""
    now = levy_outcomes.download(current_user, date.today(), "open_data")
    return _zip_response(now.figures, now.as_of)


def _link_or_404(link_id: int) -> TransferShareLink:
    return db.get_or_404(TransferShareLink, link_id)


@bp.route("/transfers/sharing/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new_link():
    """Make a link to the summary of transfers; the link is shown once."""
    form = ShareLinkForm()
    if form.validate_on_submit():
        values = form.values()
        link, token = levy_outcomes.create_link(current_user, values["label"], values["expires_on"], values["mode"],
                                                values["narrative"], date.today())
        once.hold("transfer-link", link.id, token)
        return redirect(url_for("levy.link_created", link_id=link.id), code=303)
    return render_template("form_page.html", form=form, title="Share a summary of the transfers",
                           intro="Anyone with the link can read the summary without signing in: what was pledged, "
                                 "and what the transfers achieved, with small numbers hidden so that nobody can be "
                                 "identified.",
                           back=url_for("levy.transfers"), field_params={"narrative": {"params": {"rows": 6}}})


@bp.get("/transfers/sharing/<int:link_id>")
@roles(Role.COORDINATOR)
def link_created(link_id: int):
    """The link just made, shown this once; afterwards the page says so."""
    link = _link_or_404(link_id)
    token = once.take("transfer-link", link.id)
    return render_template("share_link_created.html", link=link, what="summary",
                           back=url_for("levy.transfers", _anchor="links"),
                           url=url_for("levy.shared_transfers", token=token, _external=True) if token else None)


@bp.route("/transfers/sharing/<int:link_id>/revoke", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def revoke_link(link_id: int):
    """Ask to confirm, then stop the link working at once."""
    link = _link_or_404(link_id)
    back = url_for("levy.transfers") + "#links"
    form = ConfirmForm()
    if form.validate_on_submit():
        on_refusal_go_to(back)
        levy_outcomes.revoke_link(current_user, link)
        flash(f"The link for {link.label} no longer works.", "success")
        return redirect(back, code=303)
    return render_template("confirm_page.html", title=f"Revoke the link for {link.label}?", confirm="Yes, revoke it",
                           back=back, explanation=["It stops working at once for everyone who has it. This cannot be "
                                                   "undone."])


def _open_or_404(token: str) -> TransferShareLink:
    link = levy_outcomes.open_link(token, date.today())
    if link is None:
        abort(404)  # unknown, revoked and expired links all look the same
    return link


@bp.get("/transfers/s/<token>")
@limiter.limit("60/minute")
@no_referrer
@public
def shared_transfers(token: str):
    """The published summary of the council's levy transfers: figures only, small numbers hidden."""
    link = _open_or_404(token)
    figures = link.published_figures
    return render_template("levy/transfers/public.html", link=link, f=figures, token=token,
                           why_hidden=levy_outcomes.why_hidden(figures), why_cell_hidden=levy_outcomes.why_cell_hidden,
                           narrative=sharing.narrative_html(link.narrative), licence=summaries.LICENCE,
                           licence_url=summaries.LICENCE_URL, open_data=open_data.council_set(),
                           open_data_year=levy_outcomes.open_data_period(link.figures_as_of))


@bp.get("/transfers/s/<token>.csv")
@limiter.limit("60/minute")
@no_referrer
@public
def shared_transfers_csv(token: str):
    """The published figures as CSV, with the licence."""
    link = _open_or_404(token)
    return _csv_response(link.published_figures, link.figures_as_of)


@bp.get("/transfers/s/<token>/open-data.zip")
@records_a_view(writes=True)  # it may publish a new version of the figures
@limiter.limit("60/minute")
@no_referrer
@public
def shared_transfers_open_data(token: str):
    """The published figures as open data in DfE's format: a data file and its metadata, zipped."""
    link = _open_or_404(token)
    if not open_data.council_set():
        abort(404)  # the page offers it only once the council's codes are set
    return _zip_response(link.published_figures, link.figures_as_of)
