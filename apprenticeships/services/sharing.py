"""Share links to a cohort's summary: made by coordinators, read by anyone holding the link.

The token (256 random bits) is shown once and only its hash is kept. A snapshot keeps the
figures of the moment it was made; a live link recomputes them, but only moves on to figures
that services/publication.py lets out (no count differing by less than the threshold from
anything published about the cohort before, which could reveal one person), and says "as of"
the day its figures are from. Downloads of a cohort's figures go through the same rule.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

import nh3
import sqlalchemy as sa
from markdown_it import MarkdownIt

from ..extensions import db
from ..models import Cohort, ProgrammeSettings, ShareLink, ShareMode, User, utcnow
from ..transactions import bookkeeping
from . import audit, changes, publication, summaries
from .errors import ServiceError
from .tokens import new_token, token_hash

# A safe subset of Markdown: paragraphs, emphasis, lists, links and headings; no raw HTML.
_markdown = MarkdownIt("commonmark", {"html": False}).disable(["image", "html_block", "html_inline"])
ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "a", "h2", "h3", "br", "blockquote"}


def narrative_html(text: str | None) -> str:
    if not text:
        return ""
    html = _markdown.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes={"https", "http", "mailto"},
                     link_rel="noopener noreferrer nofollow")


def current_figures(cohort: Cohort, today: date) -> dict[str, Any]:
    """The cohort's figures as they may be published today; kept until the data or the date
    changes, because a live link works them out again on every view."""
    def work_out() -> dict[str, Any]:
        settings = ProgrammeSettings.current()
        figures = summaries.publish(summaries.figures(cohort, today), settings.disclosure_threshold)
        return publication.round_counts(figures) if settings.round_to_five else figures

    return copy.deepcopy(changes.cached(("summary", cohort.id, today), work_out))


TOO_CLOSE = ("The figures cannot be published today: they differ too little from figures published about this "
             "cohort before, under a smaller threshold than now. Try again when more has changed.")


def published(cohort: Cohort, today: date) -> publication.Publication:
    """What may be published about the cohort now (services/publication.py), or a refusal."""
    found = publication.publish(cohort, current_figures(cohort, today))
    if found is None:
        raise ServiceError(TOO_CLOSE)
    return found


def create(actor: User, cohort: Cohort, label: str, expires_on: date | None, mode: ShareMode,
           narrative: str | None, today: date) -> tuple[ShareLink, str]:
    token = new_token()
    now = published(cohort, today)
    link = ShareLink(cohort=cohort, label=label, token_hash=token_hash(token), mode=mode, narrative=narrative,
                     expires_on=expires_on, created_by_id=actor.id,
                     published_figures=now.figures, figures_as_of=now.as_of)
    db.session.add(link)
    audit.record(actor, "share_link.created", link, mode=mode.value)
    db.session.flush()
    return link, token


def revoke(actor: User, link: ShareLink) -> None:
    link.revoked_at = utcnow()
    audit.record(actor, "share_link.revoked", link)
    db.session.flush()


def links_for(cohort: Cohort) -> list[tuple[ShareLink, str | None]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(ShareLink, User.name).outerjoin(User, User.id == ShareLink.created_by_id)
        .where(ShareLink.cohort_id == cohort.id).order_by(ShareLink.created_at.desc()))]


def open_link(token: str, today: date) -> ShareLink | None:
    """The link for this token if it may be read now (not revoked, not expired); counts the view."""
    link = db.session.scalar(sa.select(ShareLink).where(ShareLink.token_hash == token_hash(token)))
    if link is None or link.revoked_at is not None or (link.expires_on is not None and link.expires_on < today):
        return None
    if link.mode == ShareMode.LIVE:
        now = publication.publish(link.cohort, current_figures(link.cohort, today))
        if now is not None and now.figures != link.published_figures:
            link.published_figures, link.figures_as_of = now.figures, now.as_of
    count_view(ShareLink, link)
    return link


def count_view(model: type, link: Any) -> None:
    """One more view of a share link (of any kind: `model`), counted in the database itself, so that
    views at the same moment are all counted (see transactions.bookkeeping)."""
    bookkeeping(sa.update(model).where(model.id == link.id)
                .values(view_count=model.view_count + 1, last_viewed_at=utcnow()))
    db.session.flush()  # the live figures, if they moved on


def download(actor: User, cohort: Cohort, today: date) -> tuple[dict[str, Any], datetime]:
    """A coordinator's download of the cohort's figures as open data: what may be published now, noted
    in the audit log (the file leaves the service, as a share link's figures do)."""
    now = published(cohort, today)
    audit.record(actor, "cohort.open_data_exported", cohort)
    return now.figures, now.as_of
