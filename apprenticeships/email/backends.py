"""The three ways an email leaves the app, chosen by EMAIL_BACKEND.

- `notify`: GOV.UK Notify through its Python client. Notify holds each message's template
  (NOTIFY_TEMPLATE_<NAME> names its id) and fills in the personalisation itself.
- `smtp`: any mail server, with the standard library (smtplib, email.message).
- `log`: nothing leaves. The message stays in the outbox, where the development mailbox
  (/dev/mailbox, never in production) shows it; the app's log notes it.

Each backend either returns (sent) or raises DeliveryError, saying whether trying again later
may help (`temporary`) and why, in words that hold neither the address nor the content: the
reason is kept in the outbox and shown to coordinators.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from flask import Flask, current_app

from .templates import Rendered

BACKENDS = ("log", "smtp", "notify")
TIMEOUT_SECONDS = 30
_ADDRESS = re.compile(r"[^\s()<>\[\],;:\"']+@[^\s()<>\[\],;:\"']+")

# How each reason begins: problem_kind reads the kind of problem back from the reason kept in the outbox.
UNREACHABLE = "Could not reach the mail server"
NOTIFY_UNREACHABLE = "Could not reach GOV.UK Notify"
ADDRESS_REFUSED = "The mail server refused the address"
SMTP_SIGN_IN_REFUSED = "The mail server did not accept SMTP_USERNAME and SMTP_PASSWORD"
NOTIFY_ANSWERED = "GOV.UK Notify answered"


@dataclass(frozen=True)
class Email:
    reference: str
    template: str
    to: str
    personalisation: dict[str, str]
    rendered: Rendered


class DeliveryError(Exception):
    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = without_addresses(reason)
        self.temporary = temporary


def without_addresses(text: str) -> str:
    """A mail server's or Notify's words may repeat the address: keep none, and keep it short."""
    return _ADDRESS.sub("[address]", " ".join(text.split()))[:300]


def backend(app: Flask) -> Callable[[Email], None]:
    return {"log": _log, "smtp": _smtp, "notify": _notify}[app.config["EMAIL_BACKEND"]]


def configuration_problem(config) -> str | None:
    """What stops the chosen backend from working, or None. create_app refuses to start on it."""
    from .templates import templates

    backend_name = config["EMAIL_BACKEND"]
    if backend_name not in BACKENDS:
        return f"EMAIL_BACKEND must be one of {', '.join(BACKENDS)}, not {backend_name!r}."
    if backend_name == "smtp" and not (config["SMTP_HOST"] and config["EMAIL_FROM"]):
        return "EMAIL_BACKEND=smtp needs SMTP_HOST and EMAIL_FROM."
    if backend_name == "notify":
        if len(config["NOTIFY_API_KEY"]) < 74:
            return "EMAIL_BACKEND=notify needs NOTIFY_API_KEY (a key made in GOV.UK Notify, 74 characters or more)."
        missing = sorted(f"NOTIFY_TEMPLATE_{name.upper()}" for name in templates()
                         if name not in config["NOTIFY_TEMPLATE_IDS"])
        if missing:
            return f"EMAIL_BACKEND=notify needs the Notify template id of every email: set {', '.join(missing)}."
    return None


def _log(email: Email) -> None:
    current_app.logger.info("Email %s (%s) kept in the outbox and not sent: EMAIL_BACKEND is log.",
                            email.reference, email.template)


def _smtp(email: Email) -> None:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = email.rendered.subject
    message["From"] = config["EMAIL_FROM"]
    message["To"] = email.to
    message["Date"] = formatdate(localtime=False)
    # The same Message-ID on every attempt, so a receiving server can tell a repeat.
    domain = config["EMAIL_FROM"].rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = f"<{email.reference}@{domain}>"
    message.set_content(email.rendered.body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT_SECONDS) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise DeliveryError(f"{ADDRESS_REFUSED} ({', '.join(map(str, codes))})",
                            temporary=not all(code >= 500 for code in codes)) from None
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(f"{SMTP_SIGN_IN_REFUSED} ({error.smtp_code})",
                            temporary=True) from None
    except smtplib.SMTPDataError as error:
        raise DeliveryError(f"The mail server refused the message ({error.smtp_code})",
                            temporary=error.smtp_code < 500) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"The mail server answered {error.smtp_code}", temporary=True) from None
    except smtplib.SMTPException as error:
        raise DeliveryError(f"Could not send through the mail server ({type(error).__name__})",
                            temporary=True) from None
    except OSError as error:  # refused, unreachable, timed out, TLS
        raise DeliveryError(f"{UNREACHABLE} ({type(error).__name__})", temporary=True) from None


def _notify(email: Email) -> None:
    # Imported here: only the worker sends, and the web server's processes need not hold the client.
    from notifications_python_client.errors import APIError
    from notifications_python_client.notifications import NotificationsAPIClient

    config = current_app.config
    options = {"base_url": config["NOTIFY_BASE_URL"]} if config["NOTIFY_BASE_URL"] else {}
    client = NotificationsAPIClient(config["NOTIFY_API_KEY"], timeout=TIMEOUT_SECONDS, **options)
    try:
        client.send_email_notification(
            email_address=email.to,
            template_id=config["NOTIFY_TEMPLATE_IDS"][email.template],
            personalisation=email.personalisation,
            reference=email.reference,
        )
    except APIError as error:
        if error.response is None:  # no answer at all: refused, unreachable, timed out
            raise DeliveryError(f"{NOTIFY_UNREACHABLE} ({type(error.__cause__ or error).__name__})",
                                temporary=True) from None
        status = error.status_code
        # 400: Notify will never send this one (a bad address, a team-only key, a missing
        # placeholder). 403 (a wrong key), 429 (too many) and 5xx may pass once put right.
        raise DeliveryError(f"{NOTIFY_ANSWERED} {status}: {_notify_errors(error)}",
                            temporary=status != 400) from None


def _notify_errors(error) -> str:
    """The messages of Notify's answer (a notifications_python_client APIError)."""
    message = error.message
    if isinstance(message, list):
        return "; ".join(f"{e.get('error', '')} {e.get('message', '')}".strip() for e in message if isinstance(e, dict))
    return str(message)


def problem_kind(reason: str | None) -> str:
    """What kind of problem a kept reason describes: "unreachable", "address", "sign_in",
    "notify_key" or "other" (pages word each for a coordinator; the reason itself is technical)."""
    reason = reason or ""
    if reason.startswith((UNREACHABLE, NOTIFY_UNREACHABLE)):
        return "unreachable"
    if reason.startswith(ADDRESS_REFUSED):
        return "address"
    if reason.startswith(SMTP_SIGN_IN_REFUSED):
        return "sign_in"
    if reason.startswith(f"{NOTIFY_ANSWERED} 400") and "email_address" in reason:
        return "address"  # Notify's ValidationError about the address
    if reason.startswith(f"{NOTIFY_ANSWERED} 403"):
        return "notify_key"
    return "other"
