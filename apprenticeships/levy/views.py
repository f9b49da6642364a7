"""The levy: accounts at a glance (balance, funds by age, the expiry forecast), each account's ledger,
adding a transaction or importing DfE's file, funding bands, and what an apprentice's training costs."""

from __future__ import annotations

from contextlib import nullcontext

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..errors import on_refusal_go_to
from ..extensions import db
from ..ids import parse_id
from ..models import ApprenticeshipStandard, LevyAccount, LevyFunding, LevyTransaction, Role, TransactionKind
from ..permissions import apprentice_or_404, roles
from ..services import (
    apprentices,
    charts,
    importing,
    levy_funding,
    levy_import,
    levy_ledger,
    levy_overview,
    levy_transfers,
)
from ..templating import uk_today
from ..text import money
from ..versioning import conflict_shown_on
from . import bp
from .forms import (
    AccountForm,
    FundingBandForm,
    FundingForm,
    ImportConfirmForm,
    ImportUploadForm,
    RemoveFundingForm,
    RemoveTransactionForm,
    TransactionForm,
)


def _account_or_404(account_id: int) -> LevyAccount:
    return db.session.get(LevyAccount, account_id) or abort(404)


def _funds_chart(picture: levy_overview.AccountPicture) -> charts.Sized | None:
    if not picture.pots:
        return None
    return charts.bar_charts([(f"{pot.entered:%b %Y}, expires {pot.expires:%b %Y}", pot.left,
                               money(pot.left, whole=True)) for pot in picture.pots])


@bp.get("")
@roles(Role.COORDINATOR)
def index():
    """Each levy account's balance, its funds by age, what will expire in the next 12 months, and the
    transfer allowance."""
    today = uk_today()
    pictures = levy_overview.pictures(today)
    year = levy_transfers.current_year(today)
    return render_template("levy/index.html", pictures=pictures, today=today,
                           funds_charts={p.account_id: _funds_chart(p) for p in pictures},
                           allowances={account.id: summary
                                       for account, summary in levy_transfers.allowance_summaries(year)}, year=year)


@bp.route("/accounts/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new_account():
    """Add a levy account (an account on the apprenticeship service)."""
    form = AccountForm()
    if form.validate_on_submit():
        account = levy_ledger.create_account(current_user, form.name.data,
                                             (form.service_reference.data or "").upper() or None)
        flash(f"{account.name} added.", "success")
        return redirect(url_for("levy.account", account_id=account.id), code=303)
    return render_template("form_page.html", form=form, back=url_for("levy.index"), title="Add a levy account",
                           intro="One account on the apprenticeship service that the council’s levy is paid into.")


@bp.get("/accounts/<int:account_id>")
@roles(Role.COORDINATOR)
def account(account_id: int):
    """One account's ledger, month by month, newest first: its totals, balance and every transaction."""
    account = _account_or_404(account_id)
    picture = levy_overview.pictures(uk_today(), account.id)[0]
    page = levy_overview.ledger_page(account, parse_id(request.args.get("page")) or 1)
    return render_template("levy/account.html", account=account, picture=picture, page=page)


@bp.route("/accounts/<int:account_id>/transactions/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new_transaction(account_id: int):
    """Add funds in, or a training payment, by hand."""
    account = _account_or_404(account_id)
    funded = levy_funding.funded_by(account)
    today = uk_today()
    form = TransactionForm(funded=[(a.id, a.full_name) for a in funded], today=today)
    if form.validate_on_submit():
        chosen = {a.id: a for a in funded}.get(form.apprentice_id())
        kind = TransactionKind(form.kind.data)
        if kind is TransactionKind.TRAINING and (problem := levy_ledger.training_problem(
                account, form.month.data, form.amount.pence, chosen, today)):
            form.amount.errors.append(problem)
        else:
            row = levy_ledger.enter_transaction(
                current_user, account, today, month=form.month.data, kind=kind, amount_pence=form.amount.pence,
                top_up_pence=form.top_up.pence, apprentice=chosen, description=form.description.data or None)
            flash(f"{kind.label} of {money(form.amount.pence)} added to {levy_ledger.month_name(form.month.data)}.",
                  "success")
            if levy_ledger.same_funds_in_before(row):
                flash(f"There was already {money(row.amount_pence)} of funds in for "
                      f"{levy_ledger.month_name(row.month)}: check it is not the same money. If it is, remove one.",
                      "warning")
            return redirect(url_for("levy.account", account_id=account.id), code=303)
    return render_template("form_page.html", form=form, back=url_for("levy.account", account_id=account.id),
                           title="Add a transaction", caption=account.name,
                           intro="Expired funds are worked out from the ledger, first in, first out, and transfer "
                                 "payments are recorded for each transfer apprentice.")


@bp.route("/accounts/<int:account_id>/transactions/<int:transaction_id>/remove", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def remove_transaction(account_id: int, transaction_id: int):
    """Funds in or a training payment typed in by mistake: what removing it changes, then (POST) remove it."""
    account = _account_or_404(account_id)
    back = url_for("levy.account", account_id=account.id)
    row = db.session.get(LevyTransaction, transaction_id)
    if row is None or row.account_id != account.id:
        if levy_ledger.was_removed(account.id, transaction_id):
            flash(f"{levy_ledger.ALREADY_REMOVED}.", "info")
            return redirect(back, code=303)
        abort(404)
    if not levy_ledger.removable(row):
        abort(404)
    form = RemoveTransactionForm(data={"seen": levy_ledger.fingerprint(row)})
    if form.validate_on_submit():
        on_refusal_go_to(back)
        kind, pence, month = row.kind, row.amount_pence, row.month
        levy_ledger.remove_entered(current_user, account, row.id, form.seen.data, uk_today())
        flash(f"{kind.label} of {money(pence)} in {levy_ledger.month_name(month)} removed.", "success")
        return redirect(back, code=303)
    if request.method == "POST":
        abort(400)
    return render_template("levy/remove_transaction.html", account=account, row=row, form=form, back=back,
                           removal=levy_ledger.removal(row, uk_today()))


@bp.route("/accounts/<int:account_id>/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def import_upload(account_id: int):
    """Import the apprenticeship service's transactions file: see every row checked before anything is added."""
    account = _account_or_404(account_id)
    form = ImportUploadForm()
    if form.validate_on_submit():
        raw = form.file.data.read(levy_import.MAX_FILE_BYTES + 1)
        text = importing.decode(raw) if len(raw) <= levy_import.MAX_FILE_BYTES else None
        if len(raw) > levy_import.MAX_FILE_BYTES:
            form.file.errors.append("The selected file must be 2 MB or smaller")
        elif text is None:
            form.file.errors.append("The selected file must be a CSV saved as UTF-8 text")
        else:
            return render_template("levy/import_preview.html", account=account,
                                   preview=levy_import.preview(account, text, uk_today()),
                                   confirm=ImportConfirmForm(content=text))
    return render_template("levy/import.html", form=form, account=account, columns=levy_import.COLUMNS)


@bp.post("/accounts/<int:account_id>/import/confirm")
@roles(Role.COORDINATOR)
def import_confirm(account_id: int):
    """Add every new row of a checked file, or none if anything is wrong with it now."""
    account = _account_or_404(account_id)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    result = levy_import.commit(current_user, account, form.content.data or "", uk_today())
    if not result.ok:
        return render_template("levy/import_preview.html", account=account, preview=result, confirm=form)
    flash(f"Imported the file: {result.count('new')} added, {result.count('update')} updated, "
          f"{result.count('unchanged')} already held.", "success")
    return redirect(url_for("levy.account", account_id=account.id), code=303)


@bp.get("/import-template.csv")
@roles(Role.COORDINATOR)
def import_template():
    """A CSV with the columns the import reads, and an example of each kind of row."""
    return Response(levy_import.template_csv(uk_today()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="levy-transactions-template.csv"'})


@bp.get("/funding-bands")
@roles(Role.COORDINATOR)
def funding_bands():
    """Every standard with its funding band maximum."""
    return render_template("levy/funding_bands.html", bands=levy_funding.bands())


@bp.route("/funding-bands/<int:standard_id>", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def funding_band(standard_id: int):
    """Enter or change a standard's funding band maximum."""
    standard = db.session.get(ApprenticeshipStandard, standard_id) or abort(404)
    band = levy_funding.band_of(standard)
    form = FundingBandForm(data={"max_pence": band})
    if form.validate_on_submit():
        changed = levy_funding.set_band(current_user, standard, form.max_pence.pence)
        flash(f"Funding band for {standard.display_name} saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("levy.funding_bands"), code=303)
    return render_template("form_page.html", form=form, back=url_for("levy.funding_bands"),
                           title=f"Funding band for {standard.display_name}", caption=standard.reference,
                           intro="The most the levy pays for training and assessment on this standard: DfE "
                                 "publishes each standard’s band.")


@bp.route("/apprentices/<int:apprentice_id>/funding", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def funding(apprentice_id: int):
    """Which levy account pays for an apprentice's training, and the agreed price."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    apprentices.refuse_if_anonymised(apprentice)
    held = db.session.scalar(db.select(LevyFunding).where(LevyFunding.apprentice_id == apprentice.id))
    accounts = [(a.id, a.name) for a in levy_transfers.accounts()]
    form = FundingForm(funding=held, accounts=accounts)
    back = url_for("apprentices.show", apprentice_id=apprentice.id, _anchor="levy-funding")
    if form.validate_on_submit():
        price = form.price.pence
        if problem := levy_funding.band_problem(apprentice.standard, price):
            form.price.errors.append(problem)
        else:
            with conflict_shown_on(form, held, "levy funding") if held else nullcontext():
                changed = levy_funding.set_funding(current_user, apprentice,
                                                   db.session.get(LevyAccount, parse_id(form.account.data)), price,
                                                   version=form.seen_version())
                flash("Levy funding saved." if changed else "Nothing changed.", "success")
                return redirect(back, code=303)
    remove = RemoveFundingForm(data={"version": held.version}) if held else None
    return render_template("levy/funding.html", form=form, apprentice=apprentice, held=held, back=back,
                           accounts=accounts, remove=remove, band=levy_funding.band_of(apprentice.standard))


@bp.post("/apprentices/<int:apprentice_id>/funding/remove")
@roles(Role.COORDINATOR)
def remove_funding(apprentice_id: int):
    """Say the levy no longer pays for this apprentice (payments already made stay in the ledger)."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    apprentices.refuse_if_anonymised(apprentice)
    held = db.session.scalar(db.select(LevyFunding).where(LevyFunding.apprentice_id == apprentice.id))
    if held is None:
        abort(404)
    form = RemoveFundingForm()
    if not form.validate_on_submit():
        abort(400)
    levy_funding.remove_funding(current_user, held, version=parse_id(form.version.data))
    flash("Levy funding removed.", "success")
    return redirect(url_for("apprentices.show", apprentice_id=apprentice.id, _anchor="levy-funding"), code=303)
