"""Evidence files: checking uploads, attaching them to log entries and reviews, removing them,
and listing them (by entry, by review, and an apprentice's evidence per KSB).

Uploads are checked whole before anything is kept (`prepare`): each file's size, its type
found from its content (evidence/sniffing.py), how many at once, how many on the record and
the apprentice's quota. A problem is an error next to the field and nothing is kept. Then
`attach` writes the bytes to the evidence storage (content-addressed, so a file already there
is not written again) and adds the rows in the request's transaction, with the entry or
review they belong to: all of it is saved, or none.

The bytes are written before the rows are committed, so a saved row always has its bytes. If
the transaction then rolls back (a refusal, a clash), bytes no row names are deleted when the
request ends (evidence/__init__.py); the same happens to the bytes of a removed file once no
other row names them. Nothing stored without a row is ever served (only rows are), and if the
process dies between the two, the leftover bytes are simply never referenced.

A file added to a verified entry sends the entry back for verification: the verifier sees
the new evidence before the hours count again. Any change to an entry's files moves its
version on, so a verifier whose page showed the files as they were is told it changed.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from ..evidence import sniffing
from ..evidence.storage import Storage, digest_of
from ..extensions import db
from ..models import (
    Apprentice,
    EvidenceFile,
    Ksb,
    LogEntry,
    LogEntryRevision,
    ProgressReview,
    ScanStatus,
    User,
    VerificationStatus,
    log_entry_ksbs,
    utcnow,
)
from . import audit
from .errors import ServiceError
from .pagination import Page, paginate

# Keys of db.session.info: digests to check when the request ends (delete if no row names
# them), and files to scan once the transaction commits.
CANDIDATES = "evidence_candidates"
TO_SCAN = "evidence_to_scan"


class EvidenceProblem(ServiceError):
    """Why an upload cannot be taken, for the person: shown next to the file field."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Upload:
    """One file as it arrived: the name the browser gave and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Prepared:
    filename: str
    data: bytes  # as it will be kept (an image without its metadata)
    media_type: str
    thumbnail: bytes | None


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    at_once: int
    each_record: int
    quota_bytes: int

    @classmethod
    def from_config(cls, config: Any = None) -> Limits:
        config = config or current_app.config
        return cls(config["EVIDENCE_MAX_FILE_MB"] * 1024 * 1024, config["EVIDENCE_MAX_FILES_AT_ONCE"],
                   config["EVIDENCE_MAX_FILES_EACH"], config["EVIDENCE_QUOTA_MB"] * 1024 * 1024)


def storage() -> Storage:
    return current_app.extensions["evidence_storage"]


def size_in_words(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")


def clean_filename(name: str | None) -> str:
    """The name to show and download with: the last part of any path a browser sent, without
    control or formatting characters, at most 255 characters (keeping its extension)."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > 255:
        stem, extension = os.path.splitext(name)
        extension = extension[:20]
        name = stem[:255 - len(extension)] + extension
    return name or "file"


def download_name(file: EvidenceFile) -> str:
    """The file's name, with the extension of its real type added if it has another one, so it opens
    in the program for what it is (a PDF called notes.html downloads as notes.html.pdf)."""
    wanted = sniffing.EXTENSIONS.get(file.media_type, "")
    extension = os.path.splitext(file.filename)[1].lower()
    same = {".jpg": {".jpg", ".jpeg", ".jfif"}, ".txt": {".txt", ".text", ".md", ".log"}}.get(wanted, {wanted})
    return file.filename if not wanted or extension in same else file.filename + wanted


def type_in_words(media_type: str) -> str:
    return sniffing.ALLOWED.get(media_type, "file")


def _label(filename: str, many: bool) -> str:
    return filename if many else "The selected file"


def prepare(uploads: list[Upload], apprentice_id: int, on_record: int, limits: Limits | None = None) -> list[Prepared]:
    """Check these uploads for an apprentice's record that already has `on_record` files: every
    problem at once (EvidenceProblem), or the files as they will be kept."""
    limits = limits or Limits.from_config()
    if not uploads:
        return []
    many = len(uploads) > 1
    problems: list[str] = []
    if len(uploads) > limits.at_once:
        raise EvidenceProblem([f"Select up to {limits.at_once} files at a time"])
    if on_record + len(uploads) > limits.each_record:
        room = max(0, limits.each_record - on_record)
        raise EvidenceProblem([f"You can attach up to {limits.each_record} files to one record"
                               + (f": there is room for {room} more" if room else ", and it has that many already")])
    prepared = []
    for upload in uploads:
        name = clean_filename(upload.filename)
        label = _label(name, many)
        if not upload.data:
            problems.append(f"{label} is empty")
        elif len(upload.data) > limits.file_bytes:
            problems.append(f"{label} must be smaller than {size_in_words(limits.file_bytes)}")
        else:
            try:
                checked = sniffing.check(upload.data)
            except sniffing.NotAllowed as error:
                problems.append(f"{label} {error}")
                continue
            prepared.append(Prepared(name, checked.data, checked.media_type, checked.thumbnail))
    if problems:
        raise EvidenceProblem(problems)
    used = quota_used(apprentice_id)
    adding = sum(len(p.data) for p in prepared)
    if used + adding > limits.quota_bytes:
        left = max(0, limits.quota_bytes - used)
        raise EvidenceProblem([f"There is not enough room for {'these files' if many else 'this file'}: "
                               f"{size_in_words(left)} is left of the {size_in_words(limits.quota_bytes)} "
                               "each apprentice can keep. Remove files you no longer need, or ask your "
                               "programme coordinator"])
    return prepared


def quota_used(apprentice_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(EvidenceFile.size_bytes), 0))
                             .where(EvidenceFile.apprentice_id == apprentice_id)) or 0


def count_on(*, entry: LogEntry | None = None, review: ProgressReview | None = None) -> int:
    if entry is None and review is None:
        return 0
    column, record = (EvidenceFile.log_entry_id, entry) if entry is not None else (EvidenceFile.review_id, review)
    if record.id is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).where(column == record.id)) or 0


def _note_candidate(*digests: str | None) -> None:
    db.session.info.setdefault(CANDIDATES, set()).update(d for d in digests if d)


def _store(data: bytes) -> str:
    digest, new = storage().put(data)
    if new:
        _note_candidate(digest)  # deleted again when the request ends if the rows never commit
    return digest


def attach(actor: User, prepared: list[Prepared], *, entry: LogEntry | None = None,
           review: ProgressReview | None = None) -> list[EvidenceFile]:
    """Keep these checked files and attach them to `entry` or `review`, in the current transaction."""
    if not prepared:
        return []
    if (entry is None) == (review is None):
        raise ValueError("attach to an entry or a review")
    if review is not None and review.locked_at is not None:
        raise ServiceError("This review is signed off and locked, so files cannot be added. "
                           "A coordinator can reopen it")
    apprentice = entry.apprentice if entry is not None else review.apprentice
    scanning = bool(current_app.config.get("CLAMD_SOCKET"))
    files = []
    for item in prepared:
        digest = _store(item.data)
        thumbnail = _store(item.thumbnail) if item.thumbnail else None
        file = EvidenceFile(apprentice=apprentice, log_entry=entry, review=review, filename=item.filename,
                            media_type=item.media_type, size_bytes=len(item.data), digest=digest,
                            thumbnail_digest=thumbnail, uploaded_by_id=actor.id, uploaded_at=utcnow(),
                            scan_status=ScanStatus.PENDING if scanning else ScanStatus.CLEAN)
        db.session.add(file)
        files.append(file)
    db.session.flush()
    for file in files:
        audit.record(actor, "evidence.uploaded", file, attached_to="log_entries" if entry else "progress_reviews",
                     attached_id=(entry or review).id, media_type=file.media_type, size_bytes=file.size_bytes)
    if scanning:
        db.session.info.setdefault(TO_SCAN, []).extend(f.id for f in files)
    if entry is not None:
        _entry_files_changed(actor, entry, "evidence added", [f.filename for f in files])
    db.session.flush()
    return files


def _entry_files_changed(actor: User, entry: LogEntry, action: str, names: list[str]) -> None:
    """Note the change in the entry's history and move its version on (a verifier's page is stale now).
    Evidence added to a verified entry sends it back for verification."""
    changes: dict[str, Any] = {"files": names}
    if entry.status == VerificationStatus.VERIFIED:
        entry.status, entry.verified_by_id, entry.verified_at = VerificationStatus.PENDING, None, None
        changes["status"] = ["verified", "waiting for verification"]
        audit.record(actor, "log_entry.sent_back_for_verification", entry, reason="evidence_added")
    entry.updated_at = utcnow()
    db.session.add(LogEntryRevision(entry=entry, action=action, changes=changes, changed_by_id=actor.id,
                                    changed_at=utcnow()))


def remove(actor: User, file: EvidenceFile) -> None:
    """Remove a file (the caller has checked this person may: permissions.may_remove_evidence)."""
    if file.log_entry is not None and file.log_entry.status == VerificationStatus.VERIFIED:
        raise ServiceError("Files on a verified entry cannot be removed")
    if file.review is not None and file.review.locked_at is not None:
        raise ServiceError("This review is signed off and locked, so its files cannot be removed")
    audit.record(actor, "evidence.deleted", file, media_type=file.media_type, size_bytes=file.size_bytes,
                 attached_to="log_entries" if file.log_entry_id else "progress_reviews",
                 attached_id=file.log_entry_id or file.review_id)
    if file.log_entry is not None:
        _entry_files_changed(actor, file.log_entry, "evidence removed", [file.filename])
    _note_candidate(file.digest, file.thumbnail_digest)
    db.session.delete(file)
    db.session.flush()


def downloaded(actor: User, file: EvidenceFile, *, thumbnail: bool = False) -> None:
    """Note a download in the audit log (thumbnails, shown on pages, are not noted one by one)."""
    if not thumbnail:
        audit.viewed(actor, "evidence.downloaded", file)


def content(file: EvidenceFile, *, thumbnail: bool = False) -> bytes | None:
    """The bytes to serve, if the file may be served and they are there."""
    if file.scan_status != ScanStatus.CLEAN:
        return None
    digest = file.thumbnail_digest if thumbnail else file.digest
    return storage().get(digest) if digest else None


def delete_unreferenced(digests: Iterable[str]) -> list[str]:
    """Delete the stored bytes of these digests that no row names (as file or thumbnail). Returns those deleted."""
    digests = sorted(set(digests))
    if not digests:
        return []
    named = set(db.session.scalars(sa.select(EvidenceFile.digest).where(EvidenceFile.digest.in_(digests))))
    named |= set(db.session.scalars(sa.select(EvidenceFile.thumbnail_digest).where(
        EvidenceFile.thumbnail_digest.in_(digests))))
    gone = [d for d in digests if d not in named]
    for digest in gone:
        storage().delete(digest)
    return gone


# Listing ------------------------------------------------------------------------------------


def for_entries(entry_ids: Iterable[int]) -> dict[int, list[EvidenceFile]]:
    """The files of these entries, by entry, in the order attached: one statement."""
    ids = sorted(set(entry_ids))
    found: dict[int, list[EvidenceFile]] = {}
    if not ids:
        return found
    for file in db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.log_entry_id.in_(ids))
                                   .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)):
        found.setdefault(file.log_entry_id, []).append(file)
    return found


def for_entry(entry: LogEntry) -> list[EvidenceFile]:
    return for_entries([entry.id]).get(entry.id, [])


def for_review(review: ProgressReview) -> list[EvidenceFile]:
    return list(db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.review_id == review.id)
                                   .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)))


@dataclass(frozen=True)
class KsbEvidence:
    ksb: Ksb
    files: int


def per_ksb(apprentice: Apprentice) -> list[KsbEvidence]:
    """Each KSB of the apprentice's standard with the number of their files on entries tagged with it: one statement."""
    counts = dict(db.session.execute(
        sa.select(log_entry_ksbs.c.ksb_id, sa.func.count(EvidenceFile.id))
        .join(EvidenceFile, EvidenceFile.log_entry_id == log_entry_ksbs.c.entry_id)
        .where(EvidenceFile.apprentice_id == apprentice.id)
        .group_by(log_entry_ksbs.c.ksb_id)).all())
    return [KsbEvidence(ksb, counts.get(ksb.id, 0)) for ksb in apprentice.standard.ksbs]


def of_apprentice(apprentice: Apprentice, page: int, size: int = 20, ksb_id: int | None = None,
                  reviews: bool | None = None) -> Page:
    """An apprentice's files, newest first, a page at a time, with their entries' KSBs; only those
    on entries tagged with `ksb_id` when given (None for all; reviews=True for files on reviews only)."""
    query = (sa.select(EvidenceFile).where(EvidenceFile.apprentice_id == apprentice.id)
             .options(selectinload(EvidenceFile.log_entry).selectinload(LogEntry.ksbs))
             .order_by(EvidenceFile.uploaded_at.desc(), EvidenceFile.id.desc()))
    if ksb_id is not None:
        query = query.where(EvidenceFile.log_entry_id.in_(
            sa.select(log_entry_ksbs.c.entry_id).where(log_entry_ksbs.c.ksb_id == ksb_id)))
    if reviews:
        query = query.where(EvidenceFile.review_id.is_not(None))
    return paginate(query, page, size)


# Scanning -----------------------------------------------------------------------------------


def waiting_for_scan(limit: int = 100) -> list[int]:
    return list(db.session.scalars(sa.select(EvidenceFile.id).where(EvidenceFile.scan_status == ScanStatus.PENDING)
                                   .order_by(EvidenceFile.id).limit(limit)))


def scan_one(file_id: int, scanner: Callable[[bytes], Any]) -> ScanStatus | None:
    """Scan a file waiting for it with `scanner` (bytes -> a verdict with .clean). An infected file's
    bytes are deleted, with every other row naming the same bytes marked too."""
    file = db.session.get(EvidenceFile, file_id)
    if file is None or file.scan_status != ScanStatus.PENDING:
        return None
    data = storage().get(file.digest)
    same = list(db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.digest == file.digest,
                                                                 EvidenceFile.scan_status == ScanStatus.PENDING)))
    if data is None or digest_of(data) != file.digest:
        verdict_clean = False  # missing or not what was stored: never served
    else:
        verdict_clean = scanner(data).clean
    now = utcnow()
    status = ScanStatus.CLEAN if verdict_clean else ScanStatus.INFECTED
    for row in same:
        row.scan_status, row.scanned_at = status, now
        audit.record(None, "evidence.scanned", row, result=status.value)
    if status == ScanStatus.INFECTED:
        for row in same:
            _note_candidate(row.thumbnail_digest)
        db.session.flush()
        storage().delete(file.digest)  # never served again, whatever else names it
        clean_rows = db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.digest == file.digest,
                                                                      EvidenceFile.scan_status == ScanStatus.CLEAN))
        for row in clean_rows:
            row.scan_status = ScanStatus.INFECTED
    db.session.flush()
    return status
