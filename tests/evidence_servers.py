"""Real servers for the evidence tests: an S3-compatible server (moto's server mode) and one
answering as ClamAV's daemon does over a UNIX socket.

moto's server is a real HTTP server speaking the S3 API on a free local port; our code talks to
it through boto3 exactly as it would to AWS or MinIO (only the endpoint URL differs).

The ClamAV stand-in follows clamd's documented INSTREAM protocol (clamd(8)): a command
`zINSTREAM\\0` (or `nINSTREAM\\n`), then chunks, each a 4-byte big-endian length and that many
bytes, ended by a zero length; the answer is `stream: OK`, or `stream: <signature> FOUND` for the
EICAR test file (the standard harmless file every virus scanner reports), ended by NUL (or a
new line for `n` commands). A real clamd needs its signature database, which cannot be
downloaded on a machine without network access, so the protocol is tested against this.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# The EICAR anti-virus test file: harmless text that every virus scanner reports as a virus.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@contextmanager
def s3_server(monkeypatch) -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1, with test credentials in the environment; its URL."""
    from moto.server import ThreadedMotoServer

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str) -> str:
    import boto3

    name = f"evidence-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    return name


@dataclass
class Clamd:
    path: str
    scanned: list[bytes] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        part = conn.recv(size - len(data))
        if not part:
            raise ConnectionError("the client went away")
        data += part
    return data


def _serve_one(conn: socket.socket, clamd: Clamd) -> None:
    with conn:
        command = b""
        while not command.endswith((b"\0", b"\n")):
            part = conn.recv(1)
            if not part:
                return
            command += part
        clamd.commands.append(command)
        end = b"\0" if command.startswith(b"z") else b"\n"
        if command[1:-1] != b"INSTREAM":
            conn.sendall(b"UNKNOWN COMMAND" + end)
            return
        data = b""
        while True:
            (size,) = struct.unpack("!L", _read_exactly(conn, 4))
            if size == 0:
                break
            data += _read_exactly(conn, size)
        clamd.scanned.append(data)
        verdict = b"stream: Eicar-Test-Signature FOUND" if EICAR in data else b"stream: OK"
        conn.sendall(verdict + end)


@contextmanager
def clamd_server(directory: Path) -> Iterator[Clamd]:
    """A server answering clamd's INSTREAM on a UNIX socket in `directory`."""
    path = str(directory / "clamd.ctl")
    clamd = Clamd(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve_one, args=(conn, clamd), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield clamd
    finally:
        stopping.set()
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() above
        except OSError:
            pass
        listener.close()
        thread.join(timeout=5)
        if os.path.exists(path):
            os.unlink(path)
