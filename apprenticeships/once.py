"""A secret a POST has just made (an invitation link, a share link), shown once after the redirect.

A POST that creates something answers with a redirect (303), so refreshing the page that shows
the result asks nothing again: it cannot create a second live link. The secret cannot be made
again from what the database keeps (only its hash), so it waits in the person's session for the
one page that shows it, and is taken out as that page is shown; a refresh then says it was shown.
"""

from __future__ import annotations

from flask import session

_PREFIX = "shown-once:"


def hold(kind: str, record_id: int, secret: str) -> None:
    session[f"{_PREFIX}{kind}:{record_id}"] = secret


def take(kind: str, record_id: int) -> str | None:
    return session.pop(f"{_PREFIX}{kind}:{record_id}", None)
