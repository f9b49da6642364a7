"""Evidence pages: an entry's files, attaching to a review, downloads, thumbnails, removing, and an
apprentice's evidence per KSB.

Files are served only here, after the same permission check as the record they belong to (a
404 for anyone else), as attachments with the type found from their content, under a CSP that
allows nothing (security.sandboxed) and `nosniff`. Thumbnails alone show inline, on our pages.
"""

from __future__ import annotations

import io

from flask import abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..errors import on_refusal_go_to
from ..ids import parse_id
from ..models import Role, VerificationStatus
from ..permissions import (
    apprentice_or_404,
    entry_or_404,
    evidence_or_404,
    may_attach_to_review,
    may_remove_evidence,
    review_or_404,
    roles,
)
from ..security import sandboxed
from ..services import audit, evidence
from ..templating import requested_block
from ..transactions import records_a_view
from ..users.forms import ConfirmForm
from . import bp
from .forms import ACCEPT, EvidenceUploadForm
from .sniffing import thumbnail_type

EVERYONE = (Role.COORDINATOR, Role.MENTOR, Role.EMPLOYER, Role.APPRENTICE)
FILES_BLOCK = "evidence-files"  # the list and its form, which htmx replaces after an upload
EVIDENCE_PAGE_SIZE = 20


def _serve(file, data: bytes, *, inline: bool):
    response = send_file(io.BytesIO(data), mimetype=thumbnail_type(data) if inline else file.media_type,
                         as_attachment=not inline, download_name=evidence.download_name(file),
                         conditional=False, etag=False, max_age=None)
    if inline:
        response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/evidence/<int:file_id>")
@records_a_view
@sandboxed
@roles(*EVERYONE)
def download(file_id: int):
    """The file itself, as an attachment: only for those who may see the record it is attached to."""
    file = evidence_or_404(file_id, current_user)
    data = evidence.content(file)
    if data is None:
        if file.servable:
            current_app.logger.error("Evidence file %s: its stored bytes are missing.", file.id)
        abort(404)
    evidence.downloaded(current_user, file)
    return _serve(file, data, inline=False)


@bp.get("/evidence/<int:file_id>/thumbnail")
@sandboxed
@roles(*EVERYONE)
def thumbnail(file_id: int):
    """A small copy of an image, made on upload without its metadata, shown inline on our pages."""
    file = evidence_or_404(file_id, current_user)
    data = evidence.content(file, thumbnail=True)
    if data is None:
        abort(404)
    return _serve(file, data, inline=True)


def _back_to(file) -> str:
    if file.log_entry_id is not None:
        return url_for("evidence.entry", entry_id=file.log_entry_id) + "#files"
    return url_for("reviews.show", review_id=file.review_id) + "#files"


@bp.route("/evidence/<int:file_id>/remove", methods=["GET", "POST"])
@roles(*EVERYONE)
def remove(file_id: int):
    """Ask to confirm, then remove a file: from an entry until it is verified, from a review until it is locked."""
    file = evidence_or_404(file_id, current_user)
    back = _back_to(file)
    if not may_remove_evidence(current_user, file):
        flash("You cannot remove this file." if file.log_entry_id is None or
              file.log_entry.status != VerificationStatus.VERIFIED else
              "Files on a verified entry cannot be removed.", "error")
        return redirect(back, code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        on_refusal_go_to(back)
        evidence.remove(current_user, file)
        flash(f"Removed {file.filename}.", "success")
        return redirect(back, code=303)
    return render_template(
        "confirm_page.html", title="Remove this file?", confirm="Yes, remove it", cancel="No, keep it", back=back,
        explanation=[f"{file.filename} ({evidence.type_in_words(file.media_type)}, "
                     f"{evidence.size_in_words(file.size_bytes)})",
                     "It will no longer be evidence for this record. This cannot be undone."])


@bp.route("/log/<int:entry_id>/evidence", methods=["GET", "POST"])
@roles(Role.APPRENTICE)
def entry(entry_id: int):
    """One of your entries and its files: add more (a verified entry then goes back for
    verification), and remove them until it is verified. With htmx the list changes in place."""
    entry = entry_or_404(entry_id, current_user)
    files = evidence.for_entry(entry)
    form = EvidenceUploadForm(entry.apprentice_id, len(files))
    if form.validate_on_submit():
        on_refusal_go_to(url_for("evidence.entry", entry_id=entry.id))
        was_verified = entry.status == VerificationStatus.VERIFIED
        added = evidence.attach(current_user, form.evidence.prepared, entry=entry)
        message = _added_message(added) + (" The entry is waiting for verification again." if was_verified else "")
        if requested_block({FILES_BLOCK: "files"}):
            return _entry_files_block(entry, EvidenceUploadForm(entry.apprentice_id, len(files) + len(added),
                                                                formdata=None), message)
        flash(message, "success")
        return redirect(url_for("evidence.entry", entry_id=entry.id) + "#files", code=303)
    if request.method == "POST" and requested_block({FILES_BLOCK: "files"}):
        return _entry_files_block(entry, form, None)
    return render_template("evidence/entry.html", entry=entry, files=files, form=form, accept=ACCEPT)


def _entry_files_block(entry, form, message):
    from jinja2_fragments.flask import render_block

    return make_response(render_block("evidence/entry.html", "files", entry=entry, files=evidence.for_entry(entry),
                                      form=form, accept=ACCEPT, message=message))


def _added_message(added) -> str:
    if len(added) == 1:
        return f"Added {added[0].filename}."
    return f"Added {len(added)} files."


@bp.post("/reviews/<int:review_id>/evidence")
@roles(*EVERYONE)
def review(review_id: int):
    """Attach files to a review (whoever may record or sign it, until it is locked). Errors show
    next to the field on the review's page."""
    review = review_or_404(review_id, current_user)
    if not may_attach_to_review(current_user, review):
        abort(404 if current_user.role == Role.EMPLOYER else 403)
    files = evidence.for_review(review)
    form = EvidenceUploadForm(review.apprentice_id, len(files))
    back = url_for("reviews.show", review_id=review.id) + "#files"
    if not form.validate_on_submit():
        from ..reviews.views import show

        return show(review_id, evidence_form=form)
    on_refusal_go_to(back)
    added = evidence.attach(current_user, form.evidence.prepared, review=review)
    flash(_added_message(added), "success")
    return redirect(back, code=303)


@bp.get("/apprentices/<int:apprentice_id>/evidence")
@records_a_view
@roles(Role.COORDINATOR, Role.MENTOR, Role.APPRENTICE)
def apprentice(apprentice_id: int):
    """All of an apprentice's evidence, newest first, and how many files show each KSB; filtered to one KSB."""
    person = apprentice_or_404(apprentice_id, current_user)
    audit.viewed(current_user, "apprentice.evidence_viewed", person)
    ksbs = evidence.per_ksb(person)
    ksb_id = parse_id(request.args.get("ksb"))
    chosen = next((k.ksb for k in ksbs if k.ksb.id == ksb_id), None)
    page = evidence.of_apprentice(person, request.args.get("page", 1, type=int), EVIDENCE_PAGE_SIZE,
                                  ksb_id=chosen.id if chosen else None)
    return render_template("evidence/apprentice.html", apprentice=person, ksbs=ksbs, chosen=chosen, page=page,
                           yours=current_user.role == Role.APPRENTICE)


def _files_of(entries) -> dict:
    return evidence.for_entries(e.id for e in entries)


TEMPLATE_HELPERS = {
    # Templates that show files beside entries or on a review (the queue, an entry's history, a review).
    "evidence_for_entries": _files_of,
    "evidence_of_entry": evidence.for_entry,
    "evidence_of_review": evidence.for_review,
    "evidence_size": evidence.size_in_words,
    "evidence_type": evidence.type_in_words,
    "may_attach_to_review": lambda review: may_attach_to_review(current_user, review),
    "may_remove_evidence": lambda file: may_remove_evidence(current_user, file),
    "evidence_accept": ACCEPT,
}
