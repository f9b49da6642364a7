"""Optional virus scanning of evidence files by a ClamAV daemon (clamd), when CLAMD_SOCKET is set.

With CLAMD_SOCKET set (the path of clamd's UNIX socket, e.g. /run/clamav/clamd.ctl), a new
file is saved as "being checked" (ScanStatus.PENDING): listed, but not served to anyone. Once
the upload's transaction commits, the background worker (`flask --app app worker`, the same
Huey queue that sends emails) scans it; a sweep every minute scans any that were missed (the
worker was down, clamd did not answer). A clean file becomes available; an infected one has
its bytes deleted and is listed as removed. Without CLAMD_SOCKET files are available at once.

The client speaks clamd's documented INSTREAM command (clamd(8)): `zINSTREAM\\0`, then the
file in chunks, each preceded by its length as a 4-byte big-endian number, then a zero-length
chunk; clamd answers `stream: OK`, `stream: <signature> FOUND`, or `... ERROR`, ended by NUL.
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import dataclass

from flask import Flask

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class ScannerUnavailable(RuntimeError):
    """clamd could not be reached or did not give a verdict: the file stays waiting, to be tried again."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str | None = None  # what clamd found, for the log (never shown with the person's file name)


def scan(socket_path: str, data: bytes, timeout: float = 60.0) -> Verdict:
    """Send `data` to clamd at `socket_path` with INSTREAM and read its verdict."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(socket_path)
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                answer += part
    except OSError as error:
        raise ScannerUnavailable(f"clamd at {socket_path} could not be reached: {error}") from error
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("OK") and "FOUND" not in text:
        return Verdict(True)
    if text.endswith("FOUND"):
        return Verdict(False, text.removeprefix("stream:").removesuffix("FOUND").strip())
    raise ScannerUnavailable(f"clamd gave no verdict: {text!r}")


def register_tasks(app: Flask, huey) -> None:
    """Add the scanning tasks to the worker's queue (called where the queue is made, email/worker.py)."""
    from huey import crontab

    @huey.task(name="scan_evidence")
    def scan_evidence(file_id: int) -> None:
        _scan_in_app(app, [file_id])

    @huey.periodic_task(crontab(minute="*"), name="scan_pending_evidence")
    def scan_pending_evidence() -> None:
        if not app.config.get("CLAMD_SOCKET"):
            return
        from ..services import evidence

        with app.app_context():
            waiting = evidence.waiting_for_scan()
        _scan_in_app(app, waiting)

    huey.scan_evidence = scan_evidence
    huey.scan_pending_evidence = scan_pending_evidence


def _scan_in_app(app: Flask, file_ids: list[int]) -> None:
    from ..extensions import db
    from ..services import evidence

    socket_path = app.config.get("CLAMD_SOCKET")
    if not socket_path:
        return
    with app.app_context():
        try:
            for file_id in file_ids:
                try:
                    evidence.scan_one(file_id, lambda data: scan(socket_path, data))
                    db.session.commit()
                    evidence.delete_unreferenced(db.session.info.pop(evidence.CANDIDATES, ()))
                    db.session.rollback()
                except ScannerUnavailable:
                    db.session.rollback()
                    log.warning("Evidence file %s could not be scanned now; the sweep will try again.", file_id,
                                exc_info=True)
                    return
        finally:
            db.session.remove()


def queue_scans(app: Flask, file_ids: list[int]) -> None:
    """Ask the worker to scan these files now (after their transaction committed). If the queue
    cannot be reached, nothing is lost: the minute's sweep finds them."""
    from ..email.worker import task_queue

    huey = task_queue(app)
    if not hasattr(huey, "scan_evidence"):
        register_tasks(app, huey)
    for file_id in file_ids:
        try:
            huey.scan_evidence(file_id)
        except Exception:  # whatever the queue's failure: the file waits, and the sweep scans it
            app.logger.warning("Could not queue evidence file %s for scanning; the sweep will.", file_id,
                               exc_info=True)
            return
