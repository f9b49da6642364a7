"""A real ClamAV daemon (clamd) for the virus scanning tests, started with a signature database the
test writes itself.

clamd's usual databases come from ClamAV's servers through freshclam, which these machines cannot
reach; but clamd loads any signature file in its DatabaseDirectory. Here that is one body
signature (an .ndb line: name, any file type, any offset, the bytes in hex) for the EICAR test
file, the standard harmless text that anti-virus products report as a virus. So clamd starts in
well under a second, answers on a UNIX socket in a temporary folder, finds EICAR wherever it is
in a stream, and passes everything else.

scripts/test.sh installs Debian's clamav-daemon; where clamd is not installed, the tests that
need it are skipped, saying so.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# The EICAR anti-virus test file.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Evidence.Test.EICAR"
# clamd reports a signature from a database of one's own with this suffix.
FOUND_AS = f"{SIGNATURE}.UNOFFICIAL"

CLAMD = shutil.which("clamd") or next((p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd")
                                       if Path(p).exists()), None)
requires_clamd = pytest.mark.skipif(
    CLAMD is None, reason="ClamAV's daemon (clamd) is not installed: scripts/test.sh installs Debian's clamav-daemon")


@contextmanager
def socket_folder() -> Iterator[Path]:
    """A short temporary folder for clamd's socket (a UNIX socket's path is limited to 107 bytes,
    which pytest's own temporary folders can pass), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="clamd-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _answers(socket_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(1)
            conn.connect(str(socket_path))
            conn.sendall(b"zPING\0")
            return conn.recv(16) == b"PONG\0"
    except OSError:
        return False


@contextmanager
def clamd(folder: Path) -> Iterator[str]:
    """clamd running in the foreground, its socket `folder`/clamd.ctl, its only signature EICAR's;
    yields the socket's path. It is always stopped afterwards."""
    if CLAMD is None:
        pytest.skip(requires_clamd.kwargs["reason"])
    signatures = folder / "signatures"
    signatures.mkdir()
    (signatures / "evidence-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    socket_path = folder / "clamd.ctl"
    log = folder / "clamd.log"
    config = folder / "clamd.conf"
    config.write_text(f"LocalSocket {socket_path}\nDatabaseDirectory {signatures}\nTemporaryDirectory {folder}\n"
                      f"LogFile {log}\nForeground yes\n")
    process = subprocess.Popen([CLAMD, f"--config-file={config}"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _answers(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("clamd did not start:\n" + (log.read_text() if log.exists() else "(no log)"))
            time.sleep(0.05)
        yield str(socket_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
