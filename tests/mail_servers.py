"""Real servers for the email tests: an SMTP server (aiosmtpd) and one answering as GOV.UK Notify's API.

The Notify server follows Notify's documented API for sending an email: a POST to
/v2/notifications/email with a JSON body (email_address, template_id, personalisation,
reference), an `Authorization: Bearer <JWT>` header signed (HS256) with the API key's secret
and naming the service id as its issuer, and a 201 answer with the notification's id,
reference, content, uri and template. A token that does not verify is answered 403 with
Notify's error shape, as Notify does; `fail_with` makes it answer another error.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USERNAME = "apprenticeships"
SMTP_PASSWORD = "smtp-test-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """What the SMTP server received: each message with the addresses it was sent to."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 15) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@contextmanager
def smtp_server(port: int | None = None, *, login: bool = False) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 (asking for a user name and password when `login`)."""
    inbox = Inbox()
    options = {}
    if login:
        def authenticate(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login.decode() == SMTP_USERNAME \
                and data.password.decode() == SMTP_PASSWORD
            if ok:
                inbox.logins.append(data.login.decode())
            return AuthResult(success=ok)

        options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False}
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"apprenticeships_test-{SERVICE_ID}-{SECRET}"


class NotifyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _NotifyHandler)
        self.received: list[dict] = []  # the JSON bodies of the emails accepted
        self.fail_with: tuple[int, str, str] | None = None  # (status, error, message)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _NotifyHandler(BaseHTTPRequestHandler):
    server: NotifyServer

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, error: str, message: str) -> None:
        self._answer(status, {"status_code": status, "errors": [{"error": error, "message": message}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path != "/v2/notifications/email":
            return self._error(404, "NotFound", "Not found")
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError:
            return self._error(403, "AuthError", "Invalid token: signature, api token not found")
        if scheme != "Bearer" or claims["iss"] != SERVICE_ID or abs(claims["iat"] - time.time()) > 30:
            return self._error(403, "AuthError", "Invalid token: iss field not provided")
        if not isinstance(body.get("email_address"), str) or not isinstance(body.get("template_id"), str):
            return self._error(400, "ValidationError", "email_address is a required property")
        if self.server.fail_with:
            return self._error(*self.server.fail_with)
        self.server.received.append(body)
        notification = str(uuid.uuid4())
        self._answer(201, {
            "id": notification,
            "reference": body.get("reference"),
            "content": {"subject": "(filled in by Notify)", "body": "(filled in by Notify)",
                        "from_email": "apprenticeships@notifications.example"},
            "uri": f"{self.server.url}/v2/notifications/{notification}",
            "template": {"id": body["template_id"], "version": 1,
                         "uri": f"{self.server.url}/services/{SERVICE_ID}/templates/{body['template_id']}"},
        })


@contextmanager
def notify_server() -> Iterator[NotifyServer]:
    server = NotifyServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
