"""Evidence: files attached to log entries and progress reviews.

- storage.py: where the bytes live (a local folder, or S3-compatible object storage), kept
  under their SHA-256 digest so the same file is stored once;
- sniffing.py: what a file really is, from its content (libmagic), and images re-encoded
  without their metadata, with a thumbnail;
- scanning.py: optional virus scanning by a ClamAV daemon (CLAMD_SOCKET), in the background worker;
- forms.py and views.py: the upload field, downloads (only through a permission-checked view,
  as attachments, sandboxed), removing files, and an apprentice's evidence per KSB.

The domain rules are in services/evidence.py; who may see and change what, in permissions.py.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

bp = Blueprint("evidence", __name__)

# The endpoints that take files, whose requests may be larger than MAX_CONTENT_LENGTH (2 MB):
# up to EVIDENCE_MAX_FILES_AT_ONCE files of EVIDENCE_MAX_FILE_MB each, and the form around them.
UPLOAD_ENDPOINTS = frozenset({"logbook.add", "logbook.edit", "evidence.entry", "evidence.review"})
FORM_ALLOWANCE = 1024 * 1024


def upload_limit(config) -> int:
    return config["EVIDENCE_MAX_FILES_AT_ONCE"] * config["EVIDENCE_MAX_FILE_MB"] * 1024 * 1024 + FORM_ALLOWANCE


def init_app(app: Flask) -> None:
    from . import storage, views  # noqa: F401  (the views register themselves on the blueprint)

    app.extensions["evidence_storage"] = storage.from_url(
        app.config["EVIDENCE_STORAGE_URL"], app.config["EVIDENCE_FOLDER"], app.config["EVIDENCE_S3_ENDPOINT_URL"])
    app.register_blueprint(bp)

    def allow_uploads() -> None:
        """Raise this request's size limit on the upload endpoints only (Flask 3.1 allows it per
        request). First of the before-request hooks: CSRF protection reads the form before any view."""
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = upload_limit(current_app.config)

    app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)

    @app.teardown_request
    def delete_what_no_row_names(_error=None) -> None:
        """Bytes written by a request whose rows were rolled back, and bytes of removed files,
        are deleted once no row names them (after the commit, or the rollback)."""
        from ..extensions import db
        from ..services import evidence

        digests = db.session.info.pop(evidence.CANDIDATES, None)
        if not digests:
            return
        try:
            db.session.rollback()  # whatever this request left open: read what is committed
            evidence.delete_unreferenced(digests)
            db.session.rollback()
        except Exception:  # never fail a response already sent; the bytes are only unreferenced
            current_app.logger.warning("Could not delete unreferenced evidence files.", exc_info=True)

    @app.context_processor
    def evidence_helpers():
        return views.TEMPLATE_HELPERS


@event.listens_for(Session, "after_commit")
def _scan_what_was_committed(session: Session) -> None:
    file_ids = session.info.pop("evidence_to_scan", None)
    if file_ids and has_app_context():
        from .scanning import queue_scans

        queue_scans(current_app._get_current_object(), file_ids)


@event.listens_for(Session, "after_rollback")
def _forget_scans_rolled_back(session: Session) -> None:
    session.info.pop("evidence_to_scan", None)
