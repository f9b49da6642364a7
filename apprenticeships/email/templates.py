"""Plain-text email templates, one per message: templates/emails/<name>.txt.

Each file starts with `Subject: ...`, then an empty line, then the body. Placeholders are
GOV.UK Notify's, `((name))`, so the same file serves every backend: with `notify` its subject
and body are set up as a template in Notify (whose id goes in NOTIFY_TEMPLATE_<NAME>) and
Notify fills them in; `smtp` and `log` fill them in here, the same way. Write them in GOV.UK
style: plain English, short sentences, what to do and by when, no "click here".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..config import ROOT

DIRECTORY = ROOT / "templates" / "emails"
PLACEHOLDER = re.compile(r"\(\(([a-z0-9_]+)\)\)")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True)
class EmailTemplate:
    name: str
    subject: str
    body: str

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(PLACEHOLDER.findall(self.subject + "\n" + self.body))

    @property
    def description(self) -> str:
        """What the message is, for lists of messages: "Password reset"."""
        return self.name.replace("_", " ").capitalize()

    def render(self, personalisation: dict[str, str]) -> Rendered:
        """Fill in the placeholders as Notify does (once: a value holding "((x))" stays as it is)."""
        def fill(text: str) -> str:
            return PLACEHOLDER.sub(lambda match: personalisation[match.group(1)], text)

        return Rendered(fill(self.subject), fill(self.body))


@cache
def templates() -> dict[str, EmailTemplate]:
    found = {}
    for path in sorted(DIRECTORY.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        first, _, body = text.partition("\n\n")
        if not first.startswith("Subject: ") or "\n" in first:
            raise ValueError(f"{path.name} must start with one line 'Subject: ...' and an empty line")
        found[path.stem] = EmailTemplate(path.stem, first.removeprefix("Subject: ").strip(), body.strip() + "\n")
    return found


def template(name: str) -> EmailTemplate:
    try:
        return templates()[name]
    except KeyError:
        raise ValueError(f"no email template {name!r} in templates/emails") from None
