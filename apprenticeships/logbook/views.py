"""Logging learning (apprentices), verifying it (mentors, coordinators), and each entry's history."""

from __future__ import annotations

import math
from datetime import date
from urllib.parse import parse_qs, urlsplit

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from ..errors import on_refusal_go_to, refusal_said_here, reloads_to
from ..ids import parse_id
from ..models import ProgrammeSettings, Role, VerificationStatus
from ..permissions import apprentice_or_404, entry_or_404, roles, visible_apprentices_condition
from ..services import audit, evidence, logbook, overview
from ..services.logbook import DayIsFull, QueueStatus
from ..services.pagination import Page
from ..templating import href_for_ids, render_page_or_block, requested_block, uk_today
from ..text import hours_in_words
from ..transactions import records_a_view
from ..users.forms import ConfirmForm
from ..versioning import conflict_shown_on
from . import bp
from .forms import (
    QUEUE_STATUS_CHOICES,
    AnswerForm,
    LogEntryForm,
    QueryForm,
    QueueFilterForm,
    UndoVerificationForm,
    VerifyManyForm,
)

LOGBOOK_TARGET = "logbook"
PROGRESS_TARGET = "progress"


def _me(*options):
    return apprentice_or_404(current_user.apprentice_id, current_user, *options)


LOG_PAGE_SIZE = 20
LATEST_REVIEWS_SHOWN = 2  # on the apprentice's home, above their log
# A message about the log (an entry added without JavaScript, changed or deleted), held for one view like
# a flash but shown in the log, where the page lands: a flash is a banner at the page's top, and takes the
# page there (templating._messages_in_view), thousands of pixels above the log on a phone.
# {"text": ..., "at": "form"} shows above the form to log learning, {"at": "log"} above the list of entries;
# either way in a banner with the id below, where the page opens (the banner itself: a browser that opens
# a page at a heading takes the focus off the banner, which GOV.UK Frontend gives it).
LOG_MESSAGE = "log_message"
LOG_MESSAGE_ANCHOR = "log-message"


@bp.app_template_global()
def log_links(page: int) -> dict:
    """The addresses of a log entry's actions on page `page` of the apprentice's log, each a function
    of the entry's id, built once for the page's rows (home/_log_entry.html)."""
    on_page = page if page > 1 else None
    return {"edit": href_for_ids("logbook.edit", "entry_id", page=on_page),
            "delete": href_for_ids("logbook.delete", "entry_id", page=on_page),
            "history": href_for_ids("logbook.history", "entry_id"),
            "evidence": href_for_ids("evidence.entry", "entry_id")}


def _new_entry_form(me) -> LogEntryForm:
    """An empty form for a new entry, dated today (in the UK): most learning is logged on the day it happens."""
    today = uk_today()
    return LogEntryForm(me, formdata=None, data={"activity_date": today}, today=today)


def _back_to_log(text: str, page: int = 1, *, at: str = "log"):
    """Back to the apprentice's log (its page `page`), at the log, with `text` said there."""
    session[LOG_MESSAGE] = {"text": text, "at": at}
    return redirect(url_for("home.apprentice", page=page if page > 1 else None, _anchor=LOG_MESSAGE_ANCHOR),
                    code=303)


def _log_page() -> int:
    """The page of the log that a Change or Delete link came from (its address carries it)."""
    return max(1, min(request.args.get("page", 1, type=int), 10**6))


def apprentice_home(form: LogEntryForm | None = None):
    """The apprentice's home: what waits for their answer, the form to log learning, progress and
    chart, their past reviews and their log. Parts refresh through htmx."""
    me, today = _me(*overview.PROGRAMME), date.today()
    audit.viewed(current_user, "apprentice.home_viewed", me)
    assignments, interests = overview.apprentice_placements(me.id)
    points, chart = logbook.progress_chart(me, today)
    context = {
        "apprentice": me, "form": form or _new_entry_form(me), "today": today, "chart": chart, "points": points,
        "totals": logbook.totals(me, today, ProgrammeSettings.current()),
        "entries": logbook.entries(me, request.args.get("page", 1, type=int), LOG_PAGE_SIZE),
        "assignments": assignments, "interests": interests,
    }
    return render_page_or_block("home/apprentice.html", {LOGBOOK_TARGET: "logbook", PROGRESS_TARGET: "progress"},
                                **context, page_context=lambda: {
                                    # What waits for their answer, and the latest reviews held (all of
                                    # them on the reviews page).
                                    "to_answer": overview.entries_to_answer(me.id, LOG_PAGE_SIZE),
                                    "to_sign": overview.reviews_to_sign(current_user),
                                    "past_reviews": overview.past_reviews(me.id, 1, LATEST_REVIEWS_SHOWN),
                                    "log_message": session.pop(LOG_MESSAGE, None),
                                    "answered": session.pop(ANSWERED, None)})


@bp.post("/log")
@roles(Role.APPRENTICE)
def add():
    """Add an entry to the log: with htmx it appears in place and the totals and chart refresh."""
    me = _me()
    form = LogEntryForm(me, today=uk_today())
    if not form.validate_on_submit():
        return _refused_entry(form)
    try:
        entry = logbook.add(current_user, me, form.values(), form.ksbs())
    except DayIsFull as error:  # another entry for the day got in between the form's check and this save
        form.minutes.errors.append(str(error))
        return _refused_entry(form)
    files = evidence.attach(current_user, form.evidence.prepared, entry=entry)  # saved with the entry, or neither
    message = f"Added {hours_in_words(entry.hours)} on {entry.activity_date.day} {entry.activity_date:%B %Y}" + (
        f" with {len(files)} file{'s' if len(files) > 1 else ''}." if files else ".")
    if block := requested_block({LOGBOOK_TARGET: "logbook"}):
        # The form again, empty, with the message; and, out of band, the new entry in the log (the
        # totals and chart refresh on "log-changed").
        with_next = logbook.entries(me, 1, LOG_PAGE_SIZE + 1)  # the first page, and the entry after it
        first = Page(with_next.items[:LOG_PAGE_SIZE], 1, LOG_PAGE_SIZE, with_next.total)
        context = {"apprentice": me, "form": _new_entry_form(me), "entries": first, "message": message}
        response = make_response(render_block("home/apprentice.html", block, **context)
                                 + _entry_added_to_log(entry, first, with_next.items[LOG_PAGE_SIZE:], context))
        response.headers["HX-Trigger"] = "log-changed"
        return response
    return _back_to_log(message, at="form")  # without JavaScript: at the form, to log the next


def _entry_added_to_log(entry, first: Page, after_first: list, context: dict) -> str:
    """The log's change, out of band, after adding `entry`: when the page shows the log's first page
    (the address htmx sends says so) and it keeps its number of pages, the new entry's row alone, in its
    place, taking off the entry it pushes onto the next page (`after_first`); nothing if the entry
    belongs further back. Otherwise (another page shown, the log empty before, a page more now, or a
    pushed entry with its query's answer row under it) the log's first page, whole."""
    shown_from = request.headers.get("HX-Current-URL")  # htmx sends it; without it, which page is unknown
    shown = parse_qs(urlsplit(shown_from).query).get("page", ["1"])[-1] if shown_from else None
    total, size = first.total, first.size
    pushed = after_first[0] if after_first else None
    if (shown != "1" or total <= 1 or math.ceil(total / size) != math.ceil((total - 1) / size)
            or (pushed is not None and pushed.status == VerificationStatus.QUERIED)):
        return render_block("home/apprentice.html", "log", oob=True, **context)
    ids = [e.id for e in first.items]
    if entry.id not in ids:
        return ""  # older than the whole first page: the page shown does not change
    at = ids.index(entry.id)
    return render_block("home/apprentice.html", "log_entry_added", entry=entry,
                        before=ids[at + 1] if at + 1 < len(ids) else None, pushed=pushed.id if pushed else None)


def _refused_entry(form: LogEntryForm):
    """A new entry with errors: with htmx, the log's form in place; without, the form on a page of its
    own, so the error summary is at the top of the page rather than far below the progress figures."""
    if requested_block({LOGBOOK_TARGET: "logbook"}):
        return apprentice_home(form)
    return render_template("logbook/form.html", form=form, title="Add to your log")


@bp.route("/log/<int:entry_id>/edit", methods=["GET", "POST"])
@roles(Role.APPRENTICE)
def edit(entry_id: int):
    """Change one of your entries until it is verified."""
    entry = entry_or_404(entry_id, current_user)
    if entry.status == VerificationStatus.VERIFIED:
        flash("A verified entry cannot be changed.", "error")
        return redirect(url_for("home.apprentice") + "#logbook", code=303)
    on_refusal_go_to(url_for("home.apprentice") + "#logbook")
    form = LogEntryForm(entry.apprentice, entry=entry, today=uk_today())
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        with conflict_shown_on(form, entry, "entry"):
            try:
                logbook.edit(current_user, entry, form.values(), form.ksbs(), version=form.seen_version())
            except DayIsFull as error:
                form.minutes.errors.append(str(error))
                return render_template("logbook/form.html", form=form, entry=entry)
            files = evidence.attach(current_user, form.evidence.prepared, entry=entry)
            # Back at the log's page the entry is on now (its date may have moved it).
            return _back_to_log(
                f"Entry of {entry.activity_date.day} {entry.activity_date:%B %Y} saved."
                + (f" Added {len(files)} file{'s' if len(files) > 1 else ''}." if files else ""),
                logbook.page_of(entry, LOG_PAGE_SIZE))
    return render_template("logbook/form.html", form=form, entry=entry, back=_entry_in_log(entry))


def _entry_in_log(entry) -> str:
    """The entry in the log, on the page its Change or Delete link came from."""
    page = _log_page()
    return url_for("home.apprentice", page=page if page > 1 else None, _anchor=f"entry-{entry.id}")


@bp.route("/log/<int:entry_id>/delete", methods=["GET", "POST"])
@roles(Role.APPRENTICE)
def delete(entry_id: int):
    """Ask to confirm, then delete one of your entries (not once verified)."""
    entry = entry_or_404(entry_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        on_refusal_go_to(url_for("home.apprentice") + "#logbook")
        day = f"{entry.activity_date.day} {entry.activity_date:%B %Y}"
        logbook.delete(current_user, entry)
        return _back_to_log(f"Entry of {day} deleted.", _log_page())  # the same page of the log, at the log
    return render_template(
        "confirm_page.html", title="Delete this log entry?", confirm="Yes, delete it", cancel="No, keep it",
        back=_entry_in_log(entry),
        explanation=[f"{entry.activity_date.day} {entry.activity_date:%B %Y}, {entry.activity_type.label.lower()}, "
                     f"{hours_in_words(entry.hours)}: {entry.description}",
                     "It will no longer count towards your hours. This cannot be undone."])


@bp.post("/log/<int:entry_id>/answer")
@reloads_to(lambda entry_id: url_for("home.apprentice", _anchor=f"entry-{entry_id}"))  # its place in the log
@roles(Role.APPRENTICE)
def answer(entry_id: int):
    """Answer a query about an entry; it goes back for verification.

    An answer with an error comes back with its message next to the box: with htmx the entry's
    answer form in place; without, the form on a page of its own with the error summary at its top
    (the log's page would open at its top, far from the entry)."""
    entry = entry_or_404(entry_id, current_user)
    form = AnswerForm()
    in_place = requested_block({_answer_id(entry): "answer"}) is not None
    back = url_for("home.apprentice") + f"#entry-{entry.id}"
    if not form.validate_on_submit() and entry.status == VerificationStatus.QUERIED:
        if in_place:
            return render_template("logbook/_answer_form.html", entry=entry, answer_form=form)
        return render_template("logbook/answer.html", entry=entry, form=form, back=back)
    on_refusal_go_to(back)
    logbook.answer(current_user, entry, (form.response.data or "").strip())  # refused once no longer queried
    # Said under the entry, where the person is (a flash would be a banner at the top, taking the page there).
    answered = {"id": entry.id, "text": "Answer sent. The entry is waiting for verification again."}
    page = logbook.page_of(entry, LOG_PAGE_SIZE)
    if in_place:
        # The log's page again in place of the old one (the entry's status, its answer box gone, the message
        # under it taking the focus) and, out of band, what waits for them; the totals refresh (log-changed).
        me = entry.apprentice
        context = {"apprentice": me, "entries": logbook.entries(me, page, LOG_PAGE_SIZE), "answered": answered,
                   "to_answer": overview.entries_to_answer(me.id, LOG_PAGE_SIZE),
                   "to_sign": overview.reviews_to_sign(current_user)}
        response = make_response(render_block("home/apprentice.html", "log", **context)
                                 + render_block("home/apprentice.html", "waiting_for_you", oob=True, **context)
                                 + render_template("logbook/_header_count.html"))
        response.headers.update({"HX-Retarget": "#log-list", "HX-Reswap": "outerHTML", "HX-Trigger": "log-changed"})
        return response
    session[ANSWERED] = answered
    return redirect(url_for("home.apprentice", page=page if page > 1 else None, _anchor=f"entry-{entry.id}"),
                    code=303)


# The entry just answered without JavaScript, and what to say under it, for the next view of the log.
ANSWERED = "log_answered"


def _answer_id(entry) -> str:
    return f"answer-{entry.id}"


@bp.get("/log/<int:entry_id>")
@records_a_view
@roles(Role.APPRENTICE, Role.MENTOR, Role.COORDINATOR)
def history(entry_id: int):
    """An entry and every change made to it: who, when, what."""
    entry = entry_or_404(entry_id, current_user)
    audit.viewed(current_user, "log_entry.viewed", entry)
    return render_template("logbook/history.html", entry=entry, revisions=logbook.revisions(entry),
                           can_undo=lambda e: logbook.can_undo(current_user, e),
                           undo_window=logbook.undo_window_in_words())


FULL_LOG_PAGE_SIZE = 50


@bp.get("/apprentices/<int:apprentice_id>/log")
@records_a_view
@roles(Role.MENTOR, Role.COORDINATOR)
def apprentice_log(apprentice_id: int):
    """Every entry of an apprentice's log, newest first, a page at a time (their record shows the latest)."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    audit.viewed(current_user, "apprentice.log_viewed", apprentice)
    return render_template("logbook/apprentice_log.html", apprentice=apprentice,
                           entries=logbook.entries(apprentice, request.args.get("page", 1, type=int),
                                                   FULL_LOG_PAGE_SIZE))


@bp.get("/verification")
@roles(Role.MENTOR, Role.COORDINATOR)
def queue():
    """Entries to verify, filtered and a page at a time: a mentor's current mentees, or everyone's for a coordinator.

    `done` names the entry just verified or queried without JavaScript: it shows, settled, where it was.
    """
    scope = visible_apprentices_condition(current_user)
    undone = session.pop(JUST_UNDONE, None) or {}
    refused = refusal_said_here() or {}
    return _queue_page(scope, _queue_filters(scope), parse_id(request.args.get("done")),
                       bulk_problem=session.pop(BULK_PROBLEM, None), just_verified=session.pop(JUST_VERIFIED, None),
                       undone_id=undone.get("id"), undone_message=undone.get("message"),
                       refused_id=parse_id(str(refused.get("at", "")).removeprefix("entry-")),
                       refused_message=refused.get("text"), gone=session.pop(JUST_GONE, None))


# What "Verify selected entries" (or all on the page) just verified, for the next page of the queue to
# say and offer to undo: held for one view, like a flash.
JUST_VERIFIED = "queue_just_verified"
# Why "Verify selected entries" verified nothing (nothing ticked, say), for the queue it goes back to.
BULK_PROBLEM = "queue_bulk_problem"
# The one entry whose verification was just undone without JavaScript, and what to say in its row, where
# the page opens (a flash would be a banner at the top, and take the page there).
JUST_UNDONE = "queue_just_undone"
# An entry deleted (by the apprentice) before the Verify or Query pressed without JavaScript reached us:
# said in a row where it was in the list, where the page opens ({"id", "message", "on": its date if known}).
JUST_GONE = "queue_just_gone"


def _queue_page(scope, form: QueueFilterForm, done_id: int | None = None, bulk_problem: str | None = None,
                just_verified: dict | None = None, undone_id: int | None = None, undone_message: str | None = None,
                refused_id: int | None = None, refused_message: str | None = None, gone: dict | None = None):
    """The queue for these filters. A filter with an error lists nothing (its errors show instead): a list
    filtered by only some of what was asked for could be verified in bulk by mistake. `bulk_problem` is
    why "Verify selected entries" verified nothing (nothing ticked, say): an error at the top of the page.

    Without JavaScript, what happened to one entry is said in its row, where the page opens: `done`
    (verified or queried), `undone`, `refused` (changed or settled by someone else meanwhile: the entry
    as it is now, where it sorts, with why) and `gone` (deleted meanwhile: a row saying so where it was)."""
    if form.errors:
        return render_template("logbook/queue.html", page=None, rows=[], counts=None, done=None, message=None,
                               **_queue_context(form))
    filters = form.filters()
    counts = logbook.queue_counts(current_user, filters)
    page = logbook.queue(scope, filters, counts)
    done = logbook.queue_entry(scope, done_id)
    if done is not None and done.status == VerificationStatus.PENDING:
        done = None  # not settled after all (answered since, say): it is in the list if the filters want it
    refused = logbook.queue_entry(scope, refused_id) if refused_message else None
    if refused_message and refused is None:  # no longer anyone's to see here: said at the top after all
        flash(refused_message, "error")
    message = _settled_message(done) if done else undone_message or (refused_message if refused else None)
    if just_verified is None and done is not None and logbook.can_undo(current_user, done):
        # One entry verified without JavaScript: said, with its Undo, in the banner at the top as
        # "Verify selected entries" is (the page still opens at the entry, which offers it too).
        just_verified, message = {"ids": [done.id], "message": message, "entry": done}, None
    rows = logbook.in_queue_order(logbook.in_queue_order(page.items, done, filters.newest_first), refused,
                                  filters.newest_first)
    if gone is not None:
        on = _iso_date(gone.get("on"))
        gone = {**gone, "index": logbook.queue_position(rows, on, gone["id"], filters.newest_first) if on else 0}
        message = message or gone["message"]
    return render_template("logbook/queue.html", page=page, rows=rows, changed_since_query=page.changed_since_query,
                           counts=counts, done=done, message=message,
                           bulk_problem=bulk_problem, just_verified=just_verified, undone_id=undone_id,
                           refused_id=refused.id if refused else None, refused_message=refused_message,
                           gone=gone if rows else None, **_queue_context(form, page.number))


def _iso_date(text) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


@bp.post("/verification/verify")
@roles(Role.MENTOR, Role.COORDINATOR)
def verify_many():
    """Verify the entries ticked (or all those on the page) in one go: all of them, or none if any changed."""
    scope = visible_apprentices_condition(current_user)
    form = _queue_filters(scope)
    back = url_for("logbook.queue", **form.args())
    chosen = VerifyManyForm()
    if not chosen.validate_on_submit() or not chosen.chosen():
        # The queue again (a redirect: a refresh asks nothing again), with the error at its top.
        session[BULK_PROBLEM] = chosen.first_error() or "Select the entries you want to verify"
        return redirect(back + "#main-content", code=303)
    on_refusal_go_to(back)
    verified = logbook.verify_many(current_user, visible_apprentices_condition(current_user), chosen.chosen())
    # Said (with a way to undo it) at the top of the queue it goes back to, rather than in a flash.
    session[JUST_VERIFIED] = {"ids": [e.id for e in verified], "message": (
        f"Verified {len(verified)} entr{'y' if len(verified) == 1 else 'ies'}, "
        f"{hours_in_words(sum(e.minutes for e in verified) / 60)}.")}
    return redirect(back + "#main-content", code=303)


@bp.post("/verification/undo")
@roles(Role.MENTOR, Role.COORDINATOR)
def undo_verification():
    """Put entries this person verified a moment ago back to waiting (a misclick): all of them or none.
    With htmx, one entry's settled row goes back to a waiting row in place; otherwise the queue again,
    at the same filters and page: at the entry, waiting again with the message in its row, or (several
    entries) with the message at its top."""
    scope = visible_apprentices_condition(current_user)
    form = _queue_filters(scope)
    on_refusal_go_to(url_for("logbook.queue", **form.args()))
    undo = UndoVerificationForm()
    undone = logbook.undo_verification(current_user, scope, undo.undo.data if undo.validate_on_submit() else [])
    if len(undone) == 1:
        again = "is queried again" if undone[0].status == VerificationStatus.QUERIED else \
            "is waiting for verification again"
        entry = undone[0]
        message = f"Verification undone: {hours_in_words(entry.hours)} for {entry.apprentice.full_name} {again}."
    else:
        message = f"Verification undone: {len(undone)} entries are waiting for verification again."
    if len(undone) == 1 and requested_block({_row_id(undone[0]): "row"}) is not None:
        return render_template("logbook/_queue_changed.html", entry=undone[0], undone=True,
                               counts=logbook.queue_counts(current_user, form.filters()), message=message,
                               changed_since_query=logbook.changed_since_query(undone[0]), **_queue_context(form))
    if len(undone) == 1:  # back at the entry, waiting again, with the message in its row
        session[JUST_UNDONE] = {"id": undone[0].id, "message": message}
        return redirect(url_for("logbook.queue", **form.args()) + f"#{_row_id(undone[0])}", code=303)
    flash(message, "success")  # several, undone from the banner at the top of the queue: said there
    return redirect(url_for("logbook.queue", **form.args()), code=303)


@bp.post("/log/<int:entry_id>/verify")
@reloads_to(lambda entry_id: _queue_at(entry_id))
@roles(Role.MENTOR, Role.COORDINATOR)
def verify(entry_id: int):
    """Verify an entry: its hours count towards the off-the-job total. With htmx its row changes in place;
    without, the queue comes back where it was (same filters and page), at the entry, now settled."""
    form = _queue_filters(visible_apprentices_condition(current_user))
    entry, gone = _queue_entry_or_gone(entry_id)
    if entry is None:
        return _gone(entry_id, gone, form)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal_go_to(url_for("logbook.queue", **form.args()), said_at=_row_id(entry))
    logbook.verify(current_user, entry, parse_id(request.form.get("version")),
                   anyway=request.form.get("anyway") == "yes")  # a queried entry, answered in person
    return _settled(entry, form)


@bp.route("/log/<int:entry_id>/query", methods=["GET", "POST"])
@roles(Role.MENTOR, Role.COORDINATOR)
def query(entry_id: int):
    """Ask the apprentice about an entry before verifying it: on a page of its own, or (htmx) in the entry's row."""
    form = _queue_filters(visible_apprentices_condition(current_user))
    entry, gone = _queue_entry_or_gone(entry_id)
    if entry is None:
        return _gone(entry_id, gone, form)
    back = url_for("logbook.queue", **form.args()) + f"#{_row_id(entry)}"
    in_row = requested_block({_row_id(entry): "row"}) is not None
    cancelled = request.method == "GET" and request.args.get("cancel") == "yes"  # the row's Cancel
    if cancelled or (in_row and request.method == "GET" and not logbook.can_query(entry)):
        if in_row:  # the entry as it is now, the focus back on its Query link (or the row) where it was
            return render_template("logbook/_queue_row.html", entry=entry, cancelled=True,
                                   changed_since_query=logbook.changed_since_query(entry), **_queue_context(form))
        return redirect(back, code=303)
    question = QueryForm(obj=entry)
    question.comment.label.text = f"Your question for {entry.apprentice.full_name}"
    if question.validate_on_submit():
        on_refusal_go_to(url_for("logbook.queue", **form.args()), said_at=_row_id(entry))
        logbook.query(current_user, entry, question.comment.data.strip(), question.seen_version())
        return _settled(entry, form)
    if in_row:
        return render_template("logbook/_queue_row.html", entry=entry, question=question,
                               changed_since_query=logbook.changed_since_query(entry), **_queue_context(form))
    return render_template("form_page.html", form=question, title="Query this entry",
                           caption=entry.apprentice.full_name, back=back,
                           intro=f"{entry.activity_date.day} {entry.activity_date:%B %Y}, {entry.activity_type.label}, "
                                 f"{hours_in_words(entry.hours)}: {entry.description}")


def _queue_at(entry_id: int) -> str:
    """The queue at the filters and page this request's address carries (a form of the queue's), at the
    entry's row: where a reload of a Verify button's address goes."""
    query = request.query_string.decode("latin-1")
    return url_for("logbook.queue") + (f"?{query}" if query else "") + f"#entry-{entry_id}"


def _queue_entry_or_gone(entry_id: int):
    """(the entry, None) if it is of an apprentice this person may see; (None, what to say) if it was
    and has been deleted since (the apprentice deleted it while it waited); otherwise not found."""
    scope = visible_apprentices_condition(current_user)
    entry = logbook.queue_entry(scope, entry_id)
    if entry is not None:
        return entry, None
    gone = logbook.deleted_entry_message(scope, entry_id)
    if gone is None:
        abort(404)
    return None, gone


def _gone(entry_id: int, gone: str, form: QueueFilterForm):
    """An entry the person asked to verify or query has been deleted since their page was shown: with
    htmx its row says so in place (and the counts refresh); without, the queue again, at the same
    filters and page, opening at a row that says so where the entry was (its Verify form sends its
    date, so it sorts into place; from the Query page, at the top of the list)."""
    message = f"{gone}. It is no longer waiting for verification."
    if requested_block({f"entry-{entry_id}": "row"}) is not None:
        return render_template("logbook/_queue_gone.html", entry_id=entry_id, message=message,
                               counts=logbook.queue_counts(current_user, form.filters()), **_queue_context(form))
    session[JUST_GONE] = {"id": entry_id, "message": message, "on": request.form.get("on")}
    return redirect(url_for("logbook.queue", **form.args()) + f"#entry-{entry_id}", code=303)


def _queue_filters(scope) -> QueueFilterForm:
    """The queue's filters from the address: the page's own, or those an action's form carries back.
    The apprentice asked for is one only if in scope (another mentor's mentee is ignored)."""
    return QueueFilterForm(request.args, logbook.queue_apprentices(scope, parse_id(request.args.get("apprentice"))))


def _queue_context(form: QueueFilterForm, page: int | None = None) -> dict:
    """What the queue page and its rows need: the filters (for addresses that come back to the same
    place) and the rules for what each entry offers."""
    if page is not None:
        form.page = page  # the page shown, which may be fewer than asked for
    args = form.args()
    return {"form": form, "filters": form.filters(), "args": args, "list_args": form.args(page=None),
            # Each row's addresses, built once for the page (templating.href_for_ids): five a row, 27 µs
            # each with the filters, were about a third of the queue's time (50 rows: 45-51 ms -> 30-33 ms).
            "verify_href": href_for_ids("logbook.verify", "entry_id", **args),
            "query_href": href_for_ids("logbook.query", "entry_id", **args),
            "apprentice_href": href_for_ids("apprentices.show", "apprentice_id"),
            "queried_args": form.args(status=QueueStatus.QUERIED.value, page=None),
            "everyone_args": form.args(apprentice=None, page=None),
            "status_choices": QUEUE_STATUS_CHOICES,
            "can_verify": logbook.can_verify, "can_query": logbook.can_query, "has_left": logbook.has_left,
            "can_undo": lambda entry: logbook.can_undo(current_user, entry),
            "undo_window": logbook.undo_window_in_words(),
            "queue_row_key": _queue_row_key(args)}


def _queue_row_key(args: dict):
    """What a waiting row of the queue shows, as the key its markup is kept by (templating.kept_row):
    the entry's columns, its KSBs and files, the apprentice's name and status, and the page's filters,
    which its links carry. Whether its question was answered or the entry changed is in its columns
    (the answer, the status), and whether an edit rather than an answer brought it back from a query in
    `changed` (its version moves with any edit)."""
    filters = tuple(sorted((name, str(value)) for name, value in args.items()))

    def key(entry, files, changed: bool) -> tuple:
        person = entry.apprentice
        return ("queue", filters, entry.id, entry.version, entry.status, entry.activity_date, entry.minutes,
                entry.activity_type, entry.off_the_job, entry.description, entry.query_comment,
                entry.query_response, tuple(ksb.code for ksb in entry.ksbs), entry.apprentice_id,
                person.first_name, person.last_name, person.status,
                tuple((f.id, f.scan_status, f.filename, f.media_type, f.size_bytes, f.thumbnail_digest) for f in files),
                changed)

    return key


def _row_id(entry) -> str:
    return f"entry-{entry.id}"


def _settled_message(entry) -> str:
    if entry.status == VerificationStatus.VERIFIED:
        return f"Verified {hours_in_words(entry.hours)} for {entry.apprentice.full_name}."
    return f"Query sent to {entry.apprentice.full_name}."


def _settled(entry, form: QueueFilterForm):
    """After verifying or querying an entry: with htmx its row, settled, and the queue's counts (out of
    band); without, back to the same place in the queue, at the entry's row.

    No flash on the way back: the message shows in the row itself, where the page lands (a flash
    would be a banner at the top, and would take the page there, see templating._messages_in_view).
    """
    if requested_block({_row_id(entry): "row"}) is not None:
        return render_template("logbook/_queue_changed.html", entry=entry, just_done=True,
                               counts=logbook.queue_counts(current_user, form.filters()),
                               message=_settled_message(entry), **_queue_context(form))
    return redirect(url_for("logbook.queue", **form.args(done=entry.id)) + f"#{_row_id(entry)}", code=303)
