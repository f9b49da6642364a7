"""Evidence files on log entries and reviews: attaching them (and everything that must be refused),
who may open them, how they are served, removing them, the entry's verification, the list per
KSB, the audit log, virus scanning through clamd, and the same journey on S3-compatible storage."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from PIL import Image

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    AuditEvent,
    EvidenceFile,
    Ksb,
    LogEntry,
    LogEntryRevision,
    ProgressReview,
    ScanStatus,
    User,
    VerificationStatus,
)
from apprenticeships.services import evidence

from ..clamd_server import EICAR, clamd, requires_clamd, socket_folder
from ..evidence_servers import new_bucket, s3_server
from ..helpers import csrf_token_from, page, post_form, text_of
from .test_apprentices import errors

TODAY = date.today()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OOXML = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 300


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", OOXML)
        archive.writestr("_rels/.rels", "<r/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def photo(colour: str = "#1d70b8") -> bytes:
    picture = Image.new("RGB", (800, 600), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    return out.getvalue()


def entry_data(**changes) -> dict:
    day = TODAY - timedelta(days=2)
    values = {"activity_date": [str(day.day), str(day.month), str(day.year)], "activity_type": "study_time",
              "off_the_job": "yes", "minutes": "1.5", "description": "A first aid course, certificate attached."}
    return {**values, **changes}


def files(*items: tuple[bytes, str]) -> list:
    return [(io.BytesIO(data), name) for data, name in items]


def post_entry(client, *items, **changes):
    return post_form(client, "/log", {**entry_data(**changes), "evidence": files(*items)}, page="/apprentice",
                     content_type="multipart/form-data")


def rows(app) -> list[EvidenceFile]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(EvidenceFile).order_by(EvidenceFile.id)))
        db.session.expunge_all()
        return found


def stored(app) -> list[str]:
    """The files in the test app's evidence folder."""
    root = app.extensions["evidence_storage"].root
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def entries_of(app, first_name: str = "Jordan") -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).join(Apprentice)
                                 .where(Apprentice.first_name == first_name))


def an_entry(app, status: VerificationStatus, first_name: str = "Jordan") -> int:
    with app.app_context():
        return db.session.scalar(sa.select(LogEntry.id).join(Apprentice).where(
            Apprentice.first_name == first_name, LogEntry.status == status).order_by(LogEntry.id.desc()).limit(1))


def attach_directly(app, entry_id: int | None = None, review_id: int | None = None, data: bytes = PDF,
                    name: str = "report.pdf") -> int:
    """A file attached by the coordinator through the service, for records no demo sign-in may change."""
    with app.test_request_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
        prepared = evidence.prepare([evidence.Upload(name, data)], 1, 0)
        entry = db.session.get(LogEntry, entry_id) if entry_id else None
        review = db.session.get(ProgressReview, review_id) if review_id else None
        [file] = evidence.attach(coordinator, prepared, entry=entry, review=review)
        db.session.commit()
        return file.id


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("evidence.%"))
                                       .order_by(AuditEvent.id)))


# Attaching with an entry ---------------------------------------------------------------------


def test_an_apprentice_attaches_files_when_adding_an_entry(app, apprentice_client):
    response = post_entry(apprentice_client, (PDF, "first-aid.pdf"), (photo(), "/home/jordan/Pictures/certificate.jpg"))
    assert response.status_code == 303
    soup = page(apprentice_client.get("/apprentice"))
    assert "Added 1.5 hours on" in text_of(soup) and "with 2 files" in text_of(soup)
    pdf, jpeg = rows(app)
    assert (pdf.filename, pdf.media_type, pdf.size_bytes, pdf.scan_status) == ("first-aid.pdf", "application/pdf",
                                                                               len(PDF), ScanStatus.CLEAN)
    assert (jpeg.filename, jpeg.media_type) == ("certificate.jpg", "image/jpeg") and jpeg.thumbnail_digest
    assert pdf.log_entry_id == jpeg.log_entry_id and pdf.apprentice_id == jpeg.apprentice_id
    assert len(stored(app)) == 3  # the PDF, the photo and its thumbnail
    # The photo is kept without its metadata: no camera, no GPS position.
    kept = apprentice_client.get(f"/evidence/{jpeg.id}").data
    assert b"PhoneMaker" not in kept and len(Image.open(io.BytesIO(kept)).getexif()) == 0
    assert audit_actions(app)[:2] == ["evidence.uploaded", "evidence.uploaded"]


def test_files_chosen_with_a_refused_entry_are_asked_for_again(app, apprentice_client):
    # The browser cannot keep them through the page with errors: the person is told, by the field.
    soup = page(post_entry(apprentice_client, (PDF, "first-aid.pdf"), minutes=""))
    found = errors(soup)
    assert found["minutes"] == "Enter the hours"
    assert found["evidence"].startswith("Select your files again")
    assert rows(app) == []
    # With nothing else wrong, nothing is asked again.
    assert "evidence" not in errors(page(post_entry(apprentice_client, minutes="")))


def test_htmx_adds_the_entry_with_its_files_in_place(app, apprentice_client):
    token = csrf_token_from(apprentice_client.get("/apprentice").get_data(as_text=True))
    response = apprentice_client.post("/log", data={**entry_data(), "evidence": files((PDF, "notes.pdf")),
                                                    "csrf_token": token},
                                      headers={"HX-Request": "true", "HX-Target": "logbook"},
                                      content_type="multipart/form-data")
    assert response.status_code == 200 and "with 1 file." in text_of(BeautifulSoup(response.data, "html.parser"))
    assert [f.filename for f in rows(app)] == ["notes.pdf"]


def test_the_log_form_takes_several_files_and_works_without_javascript(apprentice_client):
    soup = page(apprentice_client.get("/apprentice"))
    form = soup.find("form", action="/log")
    assert form["enctype"] == "multipart/form-data" and form["method"] == "post"
    chooser = form.find("input", type="file")
    assert chooser["name"] == "evidence" and chooser.has_attr("multiple")
    assert soup.find("label", attrs={"for": "evidence"}).get_text(strip=True) == "Attach evidence (optional)"


@pytest.mark.parametrize("content,name,message", [
    (WINDOWS_PROGRAM, "certificate.pdf", "The selected file must be a PDF, an image (JPEG, PNG, GIF or WebP), "
                                         "an office document or plain text"),
    (b"<html><script>alert(1)</script></html>", "photo.png", "The selected file must be a PDF"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "drawing.svg", "The selected file must be a PDF"),
    (b"", "empty.pdf", "The selected file is empty"),
    (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "huge.pdf", "The selected file must be smaller than 10 MB"),
])
def test_a_file_that_is_not_allowed_is_an_error_next_to_the_field_and_nothing_is_saved(
        app, apprentice_client, content, name, message):
    before = entries_of(app)
    response = post_entry(apprentice_client, (content, name))
    soup = page(response)
    assert errors(soup)["evidence"].startswith(message)
    assert soup.select_one(".govuk-error-summary a[href='#evidence']")
    assert entries_of(app) == before and rows(app) == [] and stored(app) == []


def test_each_problem_names_its_file_and_none_of_the_files_is_kept(app, apprentice_client):
    soup = page(post_entry(apprentice_client, (PDF, "good.pdf"), (WINDOWS_PROGRAM, "setup.pdf"), (b"", "blank.txt")))
    message = errors(soup)["evidence"]
    assert "setup.pdf must be a PDF" in message and "blank.txt is empty" in message and "good.pdf" not in message
    assert rows(app) == [] and stored(app) == []


def test_too_many_files_at_once_are_refused(app, apprentice_client):
    soup = page(post_entry(apprentice_client, *[(PDF + bytes([n]), f"{n}.pdf") for n in range(6)]))
    assert errors(soup)["evidence"] == "Select up to 5 files at a time"
    assert rows(app) == []


def test_the_apprentices_quota_is_kept(app, apprentice_client):
    app.config["EVIDENCE_QUOTA_MB"] = 1
    first = PDF + b"1" * 700_000
    assert post_entry(apprentice_client, (first, "one.pdf")).status_code == 303
    soup = page(post_entry(apprentice_client, (PDF + b"2" * 700_000, "two.pdf")))
    assert errors(soup)["evidence"].startswith("There is not enough room for this file: 340 KB is left of the 1 MB")
    assert [f.filename for f in rows(app)] == ["one.pdf"]


def test_a_request_too_large_for_any_upload_is_answered_with_its_own_page(app, apprentice_client):
    app.config["EVIDENCE_MAX_FILE_MB"] = 1  # the request may then be 5 files of 1 MB and the form: 6 MB
    response = post_entry(apprentice_client, (PDF + b"0" * 3_500_000, "a.pdf"), (PDF + b"1" * 3_500_000, "b.pdf"))
    soup = page(response, 413)
    assert "You can upload up to 5 files at a time, each smaller than 1 MB. Nothing was saved." in text_of(soup)
    assert rows(app) == [] and stored(app) == []


def test_other_pages_keep_the_two_megabyte_limit(apprentice_client):
    token = csrf_token_from(apprentice_client.get("/apprentice").get_data(as_text=True))
    response = apprentice_client.post("/account/password", data={"csrf_token": token, "x": "y" * 3_000_000})
    assert response.status_code == 413


def test_an_office_document_is_known_by_its_content_and_downloads_with_its_real_extension(app, apprentice_client):
    post_entry(apprentice_client, (docx(), "plan.txt"))
    [file] = rows(app)
    assert file.media_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    response = apprentice_client.get(f"/evidence/{file.id}")
    assert response.headers["Content-Disposition"] == "attachment; filename=plan.txt.docx"


def test_names_are_cleaned_of_paths_and_control_characters(app, apprentice_client):
    post_entry(apprentice_client, (PDF, "../../windows/evil\x00\u202e.pdf"))
    assert [f.filename for f in rows(app)] == ["evil.pdf"]


def test_all_or_nothing_bytes_written_for_a_save_that_is_refused_are_deleted(app, apprentice_client, monkeypatch):
    def refuse(*args, **kwargs):
        raise evidence.ServiceError("Refused at the last moment")

    monkeypatch.setattr(evidence, "_entry_files_changed", refuse)  # after the bytes are written
    before = entries_of(app)
    response = post_entry(apprentice_client, (PDF, "late.pdf"))
    assert response.status_code == 303
    assert "Refused at the last moment" in text_of(page(apprentice_client.get(response.location,
                                                                               follow_redirects=True)))
    assert entries_of(app) == before and rows(app) == [] and stored(app) == []


def test_the_same_file_attached_twice_is_stored_once(app, apprentice_client):
    post_entry(apprentice_client, (PDF, "certificate.pdf"))
    post_entry(apprentice_client, (PDF, "same-certificate.pdf"), minutes="1")
    first, second = rows(app)
    assert first.log_entry_id != second.log_entry_id and first.digest == second.digest
    assert stored(app) == [first.digest]


# Serving ---------------------------------------------------------------------------------------


def test_a_download_is_an_attachment_that_nothing_can_run_in(app, apprentice_client):
    post_entry(apprentice_client, (PDF, "report.pdf"))
    [file] = rows(app)
    response = apprentice_client.get(f"/evidence/{file.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=report.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_thumbnail_shows_inline_and_only_through_the_same_check(app, apprentice_client, employer_client):
    post_entry(apprentice_client, (photo(), "site-visit.jpg"))
    [file] = rows(app)
    response = apprentice_client.get(f"/evidence/{file.id}/thumbnail")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert max(Image.open(io.BytesIO(response.data)).size) <= 320
    assert employer_client.get(f"/evidence/{file.id}/thumbnail").status_code == 404
    img = page(apprentice_client.get(f"/log/{file.log_entry_id}/evidence")).find("img",
                                                                               class_="app-evidence-list__thumbnail")
    assert img["src"] == f"/evidence/{file.id}/thumbnail"


def test_files_are_never_under_static(app, apprentice_client):
    post_entry(apprentice_client, (PDF, "report.pdf"))
    [file] = rows(app)
    assert "static" not in str(app.extensions["evidence_storage"].root)
    assert apprentice_client.get(f"/static/{file.digest}").status_code == 404


def test_evidence_on_an_entry_is_seen_by_the_apprentice_their_mentor_and_coordinators_only(
        app, signed_in):
    mine = attach_directly(app, entry_id=an_entry(app, VerificationStatus.PENDING))
    # Callum is not the demo apprentice, not the demo mentor's mentee and not placed with the demo employer.
    someone_elses = attach_directly(app, entry_id=an_entry(app, VerificationStatus.PENDING, "Callum"))
    expected = {"apprentice": (200, 404), "mentor": (200, 404), "coordinator": (200, 200), "employer": (404, 404)}
    for role, (own, other) in expected.items():
        client = signed_in(role)
        assert client.get(f"/evidence/{mine}").status_code == own, role
        assert client.get(f"/evidence/{someone_elses}").status_code == other, role
        assert client.get(f"/evidence/{someone_elses}/remove").status_code in (other, 303), role
    assert signed_in("coordinator").get("/evidence/999999").status_code == 404


def test_evidence_on_a_review_is_seen_by_those_who_see_the_review(app, signed_in):
    with app.app_context():
        jordans = db.session.scalar(sa.select(ProgressReview.id).join(Apprentice).where(
            Apprentice.first_name == "Jordan", ProgressReview.held_date.is_(None)))
        callums = db.session.scalar(sa.select(ProgressReview.id).join(Apprentice).where(
            Apprentice.first_name == "Callum", ProgressReview.held_date.is_(None)))
    hosted, not_hosted = attach_directly(app, review_id=jordans), attach_directly(app, review_id=callums)
    for role in ("apprentice", "mentor", "employer", "coordinator"):
        client = signed_in(role)
        assert client.get(f"/evidence/{hosted}").status_code == 200, role
        assert client.get(f"/evidence/{not_hosted}").status_code == (200 if role == "coordinator" else 404), role


# Removing, and verification -----------------------------------------------------------------------


def test_the_apprentice_removes_a_file_until_the_entry_is_verified(app, apprentice_client, mentor_client):
    post_entry(apprentice_client, (PDF, "draft.pdf"))
    [file] = rows(app)
    confirm = page(apprentice_client.get(f"/evidence/{file.id}/remove"))
    assert confirm.h1.get_text() == "Remove this file?" and f"draft.pdf (PDF, {len(PDF)} bytes)" in text_of(confirm)
    # Their mentor may open it, but not remove it.
    assert mentor_client.get(f"/evidence/{file.id}").status_code == 200
    assert mentor_client.post(f"/evidence/{file.id}/remove", data={"csrf_token": csrf_token_from(
        mentor_client.get("/mentor").get_data(as_text=True))}).status_code == 303
    assert len(rows(app)) == 1
    response = post_form(apprentice_client, f"/evidence/{file.id}/remove", {})
    assert response.headers["Location"].startswith(f"/log/{file.log_entry_id}/evidence")
    assert rows(app) == [] and stored(app) == []  # no other row named its bytes
    assert audit_actions(app) == ["evidence.uploaded", "evidence.downloaded", "evidence.deleted"]
    with app.app_context():
        assert "evidence removed" in db.session.scalars(sa.select(LogEntryRevision.action).where(
            LogEntryRevision.entry_id == file.log_entry_id)).all()


def test_a_file_on_a_verified_entry_cannot_be_removed(app, apprentice_client):
    file_id = attach_directly(app, entry_id=an_entry(app, VerificationStatus.VERIFIED))
    # attaching sent it back for verification; verify it again as the mentor would
    with app.app_context():
        entry = db.session.get(EvidenceFile, file_id).log_entry
        entry.status, entry.verified_by_id, entry.verified_at = VerificationStatus.VERIFIED, 1, entry.created_at
        db.session.commit()
    response = post_form(apprentice_client, f"/evidence/{file_id}/remove", {}, page="/apprentice")
    assert response.status_code == 303
    assert "Files on a verified entry cannot be removed." in text_of(page(apprentice_client.get(response.location)))
    assert len(rows(app)) == 1


def test_a_file_added_after_verification_sends_the_entry_back_for_verification(app, apprentice_client):
    entry_id = an_entry(app, VerificationStatus.VERIFIED)
    soup = page(apprentice_client.get(f"/log/{entry_id}/evidence"))
    assert "Adding a file sends this entry back to be verified again" in text_of(soup)
    response = post_form(apprentice_client, f"/log/{entry_id}/evidence", {"evidence": files((PDF, "late.pdf"))},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    soup = page(apprentice_client.get(response.location))
    assert "Added late.pdf. The entry is waiting for verification again." in text_of(soup)
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        assert (entry.status, entry.verified_by_id, entry.verified_at) == (VerificationStatus.PENDING, None, None)
        assert db.session.scalar(sa.select(LogEntryRevision.action).where(LogEntryRevision.entry_id == entry_id)
                                 .order_by(LogEntryRevision.id.desc()).limit(1)) == "evidence added"
        assert db.session.scalar(sa.select(AuditEvent.details).where(
            AuditEvent.action == "log_entry.sent_back_for_verification", AuditEvent.subject_id == entry_id)) == {
            "reason": "evidence_added"}


def test_htmx_upload_on_the_entry_page_shows_the_file_in_place(app, apprentice_client):
    entry_id = an_entry(app, VerificationStatus.PENDING)
    token = csrf_token_from(apprentice_client.get(f"/log/{entry_id}/evidence").get_data(as_text=True))
    response = apprentice_client.post(f"/log/{entry_id}/evidence", content_type="multipart/form-data",
                                      data={"csrf_token": token, "evidence": files((PDF, "minutes.pdf"))},
                                      headers={"HX-Request": "true", "HX-Target": "evidence-files"})
    part = BeautifulSoup(response.data, "html.parser")
    assert part.find(id="evidence-files") and not part.find("html")
    assert "Added minutes.pdf." in text_of(part) and part.find("a", string="minutes.pdf")
    empty = apprentice_client.post(f"/log/{entry_id}/evidence", data={"csrf_token": token},
                                   headers={"HX-Request": "true", "HX-Target": "evidence-files"})
    assert errors(BeautifulSoup(empty.data, "html.parser"))["evidence"] == "Select a file to upload"


def test_the_verifier_sees_the_files_beside_the_entry_in_the_queue_and_its_history(app, apprentice_client,
                                                                                 mentor_client):
    post_entry(apprentice_client, (PDF, "workshop-notes.pdf"))
    [file] = rows(app)
    queue = page(mentor_client.get("/verification?sort=newest"))
    row = queue.find(id=f"entry-{file.log_entry_id}")
    link = row.find("a", string="workshop-notes.pdf")
    assert link["href"] == f"/evidence/{file.id}" and "Evidence:" in text_of(row)
    history = page(mentor_client.get(f"/log/{file.log_entry_id}"))
    assert history.find("a", string="workshop-notes.pdf") and "Evidence added" in text_of(history)
    assert not history.find("a", string=lambda s: s and s.startswith("Remove"))


def test_a_verifier_whose_page_showed_the_files_as_they_were_is_told_the_entry_changed(app, apprentice_client,
                                                                                      mentor_client):
    entry_id = an_entry(app, VerificationStatus.PENDING)
    with app.app_context():
        seen = db.session.get(LogEntry, entry_id).version
    post_form(apprentice_client, f"/log/{entry_id}/evidence", {"evidence": files((PDF, "new.pdf"))},
              content_type="multipart/form-data")
    response = post_form(mentor_client, f"/log/{entry_id}/verify", {"version": str(seen)}, page="/verification")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(LogEntry, entry_id).status == VerificationStatus.PENDING


# Reviews ---------------------------------------------------------------------------------------


def next_review(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(ProgressReview.id).join(Apprentice).where(
            Apprentice.first_name == "Jordan", ProgressReview.held_date.is_(None)))


@pytest.mark.parametrize("role", ["apprentice", "mentor", "employer", "coordinator"])
def test_whoever_records_or_signs_a_review_attaches_files_to_it(app, signed_in, role):
    client, review_id = signed_in(role), next_review(app)
    soup = page(client.get(f"/reviews/{review_id}"))
    assert soup.find("form", action=f"/reviews/{review_id}/evidence")
    response = post_form(client, f"/reviews/{review_id}/evidence",
                         {"evidence": files((PDF, f"training-plan-{role}.pdf"))}, page=f"/reviews/{review_id}",
                         content_type="multipart/form-data")
    assert response.status_code == 303
    soup = page(client.get(response.location))
    assert f"Added training-plan-{role}.pdf." in text_of(soup)
    assert soup.find("a", string=f"training-plan-{role}.pdf")


def test_a_review_upload_with_a_problem_shows_it_on_the_review_page(app, employer_client):
    review_id = next_review(app)
    soup = page(post_form(employer_client, f"/reviews/{review_id}/evidence",
                          {"evidence": files((WINDOWS_PROGRAM, "report.pdf"))}, page=f"/reviews/{review_id}",
                          content_type="multipart/form-data"))
    assert soup.title.get_text().startswith("Error: Progress review")
    assert errors(soup)["evidence"].startswith("The selected file must be a PDF")
    assert rows(app) == []


def test_a_locked_review_takes_no_more_files(app, coordinator_client):
    with app.app_context():
        locked = db.session.scalar(sa.select(ProgressReview.id).join(Apprentice).where(
            Apprentice.first_name == "Jordan", ProgressReview.locked_at.is_not(None)).limit(1))
    assert not page(coordinator_client.get(f"/reviews/{locked}")).find("form", action=f"/reviews/{locked}/evidence")
    response = post_form(coordinator_client, f"/reviews/{locked}/evidence", {"evidence": files((PDF, "x.pdf"))},
                         page=f"/reviews/{locked}", content_type="multipart/form-data")
    assert response.status_code == 403 and rows(app) == []


# The apprentice's evidence, per KSB --------------------------------------------------------------


def test_the_apprentices_record_lists_their_evidence_per_ksb(app, apprentice_client, mentor_client):
    with app.app_context():
        k1 = db.session.scalar(sa.select(Ksb.id).join(Apprentice, Apprentice.standard_id == Ksb.standard_id).where(
            Apprentice.first_name == "Jordan", Ksb.code == "K1"))
        apprentice_id = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Jordan"))
    post_entry(apprentice_client, (PDF, "k1-evidence.pdf"), ksb_ids=[str(k1)])
    post_entry(apprentice_client, (docx(), "untagged.docx"), minutes="1")
    soup = page(mentor_client.get(f"/apprentices/{apprentice_id}/evidence"))
    counts = {row.th.get_text(" ", strip=True).split(" ")[0]: text_of(row.td) for row in soup.select(
        "#per-ksb + .app-table-scroll tbody tr")}
    assert counts["K1"].startswith("1 ") and counts["K2"] == "None"
    assert {a.get_text() for a in soup.select("a[download]")} == {"k1-evidence.pdf", "untagged.docx"}
    filtered = page(mentor_client.get(f"/apprentices/{apprentice_id}/evidence?ksb={k1}"))
    assert filtered.h1.get_text() == "Evidence: K1"
    assert [a.get_text() for a in filtered.select("a[download]")] == ["k1-evidence.pdf"]
    own = page(apprentice_client.get(f"/apprentices/{apprentice_id}/evidence"))
    assert own.h1.get_text() == "Your evidence"
    assert apprentice_client.get("/apprentices/9/evidence").status_code == 404  # Callum's


# The audit log ---------------------------------------------------------------------------------


def test_uploads_downloads_and_deletions_are_in_the_audit_log_without_the_file_names(app, apprentice_client):
    post_entry(apprentice_client, (PDF, "Jordan Ellis - payslip.pdf"))
    [file] = rows(app)
    apprentice_client.get(f"/evidence/{file.id}")
    post_form(apprentice_client, f"/evidence/{file.id}/remove", {})
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.subject_type, AuditEvent.details)
                                    .where(AuditEvent.action.like("evidence.%")).order_by(AuditEvent.id)).all()
    assert [(a, s) for a, s, _ in events] == [("evidence.uploaded", "evidence_files"),
                                             ("evidence.downloaded", "evidence_files"),
                                             ("evidence.deleted", "evidence_files")]
    assert events[0].details == {"attached_to": "log_entries", "attached_id": file.log_entry_id,
                                 "media_type": "application/pdf", "size_bytes": len(PDF)}
    assert "payslip" not in str([e.details for e in events])


# Virus scanning ----------------------------------------------------------------------------------


@requires_clamd
def test_with_clamd_a_file_waits_as_being_checked_until_scanned(app, apprentice_client):
    from apprenticeships.email.worker import task_queue

    with socket_folder() as folder:
        app.config["CLAMD_SOCKET"] = str(folder / "clamd.ctl")  # set, but clamd is not running yet
        post_entry(apprentice_client, (PDF, "waiting.pdf"))
        [file] = rows(app)
        assert file.scan_status == ScanStatus.PENDING
        assert apprentice_client.get(f"/evidence/{file.id}").status_code == 404
        soup = page(apprentice_client.get(f"/log/{file.log_entry_id}/evidence"))
        assert "waiting.pdf Being checked" in text_of(soup) and not soup.find("a", string="waiting.pdf")
        with clamd(folder):
            task_queue(app).scan_pending_evidence()  # the minute's sweep, as the worker runs it
    assert rows(app)[0].scan_status == ScanStatus.CLEAN
    assert apprentice_client.get(f"/evidence/{file.id}").data == PDF
    soup = page(apprentice_client.get(f"/log/{file.log_entry_id}/evidence"))
    assert soup.find("a", string="waiting.pdf") and "Being checked" not in text_of(soup)


@requires_clamd
def test_with_clamd_an_infected_file_is_removed_and_never_served(app, apprentice_client):
    with socket_folder() as folder, clamd(folder) as socket_path:
        app.config["CLAMD_SOCKET"] = socket_path
        post_entry(apprentice_client, (PDF, "clean.pdf"), (EICAR, "eicar.txt"))  # scanned once committed
    clean, infected = rows(app)
    assert (clean.scan_status, infected.scan_status) == (ScanStatus.CLEAN, ScanStatus.INFECTED)
    assert infected.digest not in stored(app) and clean.digest in stored(app)
    assert apprentice_client.get(f"/evidence/{infected.id}").status_code == 404
    assert apprentice_client.get(f"/evidence/{clean.id}").data == PDF
    soup = page(apprentice_client.get(f"/log/{infected.log_entry_id}/evidence"))
    assert "eicar.txt Removed A virus was found in it." in text_of(soup)
    assert soup.find("a", string="clean.pdf") and not soup.find("a", string="eicar.txt")


# S3-compatible storage -------------------------------------------------------------------------


def test_the_same_journey_on_s3_compatible_storage(databases, demo_database, tmp_path, monkeypatch):
    from apprenticeships import create_app
    from apprenticeships.config import TestConfig
    from apprenticeships.evidence.storage import S3Storage

    from ..conftest import close_app
    from ..helpers import sign_in

    with s3_server(monkeypatch) as endpoint:
        bucket = new_bucket(endpoint)
        config = TestConfig(databases.copy(demo_database, tmp_path))
        config.EVIDENCE_STORAGE_URL, config.EVIDENCE_S3_ENDPOINT_URL = f"s3://{bucket}", endpoint
        app = create_app(config)
        try:
            assert isinstance(app.extensions["evidence_storage"], S3Storage)
            client = app.test_client()
            sign_in(client, "apprentice@example.org")
            post_entry(client, (PDF, "on-s3.pdf"))
            post_entry(client, (PDF, "again.pdf"), minutes="1")
            first, second = rows(app)
            store = app.extensions["evidence_storage"]
            keys = [o["Key"] for o in store.client.list_objects_v2(Bucket=bucket)["Contents"]]
            assert keys == [f"evidence/{first.digest}"] and first.digest == second.digest  # stored once
            response = client.get(f"/evidence/{first.id}")
            assert response.data == PDF and response.headers["Content-Disposition"] == "attachment; filename=on-s3.pdf"
            post_form(client, f"/evidence/{first.id}/remove", {})
            assert store.exists(first.digest)  # the other row still names it
            post_form(client, f"/evidence/{second.id}/remove", {})
            assert not store.exists(first.digest)
        finally:
            close_app(app, databases)


def test_the_evidence_pages_run_the_same_number_of_statements_however_many_files(app, signed_in):
    from .test_query_counts import statements_for

    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        entry_ids = db.session.scalars(sa.select(LogEntry.id).where(LogEntry.apprentice_id == jordan.id)
                                       .order_by(LogEntry.id).limit(30)).all()
        apprentice_id = jordan.id
    attach_directly(app, entry_id=entry_ids[0], data=PDF + b"0")
    mentor = signed_in("mentor")
    pages = [f"/apprentices/{apprentice_id}/evidence", "/verification", f"/log/{entry_ids[0]}"]
    small = [statements_for(app, mentor, path) for path in pages]
    for n, entry_id in enumerate(entry_ids[1:]):
        attach_directly(app, entry_id=entry_id, data=PDF + str(n).encode())
    assert [statements_for(app, mentor, path) for path in pages] == small
    assert max(small) <= 15
