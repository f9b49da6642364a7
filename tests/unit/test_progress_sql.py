"""The progress figures as statements hold them (SQL text compiled from the expression), and the
PostgreSQL session they run in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.services.progress import progress_select, progress_subquery


@pytest.mark.parametrize("days", [0, -400, 200])
def test_the_figures_statements_hold_are_the_expressions_for_every_demo_apprentice(demo_db, days):
    today = date.today() + timedelta(days=days)
    expression = progress_select(today).subquery("progress")
    text = progress_subquery(today)
    expected = db.session.execute(sa.select(expression).order_by(expression.c.apprentice_id)).all()
    held = db.session.execute(sa.select(text).order_by(text.c.apprentice_id)).all()
    assert len(held) > 10 and [tuple(r) for r in held] == [tuple(r) for r in expected]
    assert {type(r.review_due_date) for r in held} <= {date, type(None)}


def test_statements_holding_the_figures_are_keyed_by_the_text_not_by_walking_the_expression(demo_db):
    """SQLAlchemy keys each statement to find its compiled form: the figures are one element."""
    seen = []

    def visit(element):
        seen.append(element)
        for child in element.get_children():
            visit(child)

    visit(progress_subquery(date.today()))
    assert len(seen) < len(progress_select(date.today()).selected_columns) + 5


def test_postgresql_runs_the_app_s_statements_without_jit_compilation_or_parallel_workers(demo_db):
    """Compiling the figures' statement for JIT took seconds where running it takes milliseconds."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    assert db.session.scalar(sa.text("SHOW jit")) == "off"
    # Nor with parallel workers, whose start cost a page more than they saved (config.engine_options).
    assert db.session.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"
