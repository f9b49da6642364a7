"""Who may do what, in one place.

Every view carries exactly one of the decorators below (`public` or `roles`);
create_app refuses to start if one does not, and a test walks the URL map to prove it.

Object-level rules (a mentor sees only their mentees, an employer only the apprentices
placed with it, an apprentice only themself) are expressed as SQL conditions here, so
lists and single-record look-ups use the same rule, and a record someone may not see
answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort
from flask_login import current_user

from .extensions import db, login_manager
from .models import Apprentice, AssignmentStatus, Placement, PlacementAssignment, PlacementStatus, Role, User

F = TypeVar("F", bound=Callable[..., Any])
PERMISSION_ATTR = "_permission"

def _mark(view: Callable, rule: str) -> None:
    if hasattr(view, PERMISSION_ATTR):
        raise RuntimeError(f"{view.__name__} has two permission decorators")
    setattr(view, PERMISSION_ATTR, rule)


def public(view: F) -> F:
    """Anyone, signed in or not."""
    _mark(view, "public")
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Signed-in users with one of these roles; others get 403 and never the data."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        _mark(wrapped, "roles:" + ",".join(sorted(r.value for r in allowed)))
        return wrapped  # type: ignore[return-value]

    return decorator


def require_every_view_has_permission(app: Flask) -> None:
    # Flask's own static view is public by nature; mark it so the rule has no exceptions.
    if "static" in app.view_functions and not hasattr(app.view_functions["static"], PERMISSION_ATTR):
        app.view_functions["static"] = public(_plain(app.view_functions["static"]))
    missing = [name for name, view in app.view_functions.items() if not hasattr(view, PERMISSION_ATTR)]
    if missing:
        raise RuntimeError(f"views without a permission decorator: {', '.join(sorted(missing))}")


def _plain(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapped


def visible_apprentices_condition(user: User) -> sa.ColumnElement[bool]:
    """The SQL condition on Apprentice that selects the apprentices this user may see."""
    if user.role == Role.COORDINATOR:
        return sa.true()
    if user.role == Role.MENTOR:
        return Apprentice.mentor_id == user.mentor_id
    if user.role == Role.APPRENTICE:
        return Apprentice.id == user.apprentice_id
    if user.role == Role.EMPLOYER:
        hosted = (
            sa.select(PlacementAssignment.apprentice_id)
            .join(Placement, Placement.id == PlacementAssignment.placement_id)
            .where(Placement.employer_id == user.employer_id, PlacementAssignment.status.in_(AssignmentStatus.HOSTING))
        )
        return Apprentice.id.in_(hosted)
    return sa.false()


def apprentice_or_404(apprentice_id: int, user: User) -> Apprentice:
    """The apprentice if this user may see them; otherwise 404, as if they did not exist."""
    apprentice = db.session.scalar(
        sa.select(Apprentice).where(Apprentice.id == apprentice_id, visible_apprentices_condition(user))
    )
    if apprentice is None:
        abort(404)
    return apprentice


def placement_or_404(placement_id: int, user: User) -> Placement:
    """A placement this user may see: coordinators any, employers their own, apprentices published ones."""
    condition = sa.true()
    if user.role == Role.EMPLOYER:
        condition = Placement.employer_id == user.employer_id
    elif user.role != Role.COORDINATOR:
        condition = Placement.status == PlacementStatus.PUBLISHED
    placement = db.session.scalar(sa.select(Placement).where(Placement.id == placement_id, condition))
    if placement is None:
        abort(404)
    return placement


def assignment_or_404(assignment_id: int, user: User) -> PlacementAssignment:
    """A proposal or placement of an apprentice: coordinators any, employers only on their own placements."""
    query = sa.select(PlacementAssignment).where(PlacementAssignment.id == assignment_id)
    if user.role == Role.EMPLOYER:
        query = query.join(Placement).where(Placement.employer_id == user.employer_id)
    elif user.role != Role.COORDINATOR:
        abort(404)
    assignment = db.session.scalar(query)
    if assignment is None:
        abort(404)
    return assignment


def entry_or_404(entry_id: int, user: User):
    """A log entry of an apprentice this user may see (employers see none)."""
    from .models import LogEntry

    if user.role == Role.EMPLOYER:
        abort(404)
    entry = db.session.scalar(sa.select(LogEntry).join(Apprentice).where(
        LogEntry.id == entry_id, visible_apprentices_condition(user)))
    if entry is None:
        abort(404)
    return entry


def review_or_404(review_id: int, user: User):
    """A progress review of an apprentice this user may see (employers: only apprentices placed with them)."""
    from .models import ProgressReview

    condition = placed_apprentices_condition(user) if user.role == Role.EMPLOYER \
        else visible_apprentices_condition(user)
    review = db.session.scalar(sa.select(ProgressReview).join(Apprentice).where(
        ProgressReview.id == review_id, condition))
    if review is None:
        abort(404)
    return review


def placed_apprentices_condition(user: User) -> sa.ColumnElement[bool]:
    """For an employer user: the apprentices placed with their organisation (not just proposed)."""
    placed = (sa.select(PlacementAssignment.apprentice_id)
              .join(Placement, Placement.id == PlacementAssignment.placement_id)
              .where(Placement.employer_id == user.employer_id,
                     PlacementAssignment.status.in_(AssignmentStatus.PLACED)))
    return Apprentice.id.in_(placed)
