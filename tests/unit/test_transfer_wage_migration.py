"""Migration 0023 (a transfer apprentice's hourly wage) on a programme with transfer apprentices: each starts with
its own application's hourly wage, or none where the application gave none, and the wage's range is checked."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from apprenticeships.extensions import db
from apprenticeships.models import LevyApplication, TransferApprentice

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def test_each_transfer_apprentice_starts_with_its_applications_wage_and_the_range_is_checked(demo_db):
    applications = list(db.session.scalars(sa.select(LevyApplication).where(
        LevyApplication.id.in_(sa.select(TransferApprentice.application_id))).order_by(LevyApplication.id)))
    assert len(applications) >= 3  # the demo's Ironbridge, Heath and Kestrel
    # A different wage on each application, and none on one: each apprentice must take its own application's.
    wages = [None, *(1400 + 25 * n for n in range(1, len(applications)))]
    for application, wage in zip(applications, wages, strict=True):
        application.hourly_wage_pence = wage
    apprentices = list(db.session.scalars(sa.select(TransferApprentice).order_by(TransferApprentice.id)))
    for apprentice in apprentices:
        apprentice.hourly_wage_pence = 999  # what the column held is dropped with it
    expected = {a.id: dict(zip([x.id for x in applications], wages, strict=True))[a.application_id]
                for a in apprentices}
    assert None in expected.values() and len(set(expected.values())) >= 3
    db.session.commit()
    db.session.remove()

    downgrade(directory=MIGRATIONS, revision="0022")
    with db.engine.connect() as connection:
        assert "hourly_wage_pence" not in {c["name"] for c in sa.inspect(connection).get_columns(
            "transfer_apprentices")}
    upgrade(directory=MIGRATIONS)
    found = dict(db.session.execute(sa.select(TransferApprentice.id, TransferApprentice.hourly_wage_pence)).all())
    assert found == expected

    # The database keeps the wage in range, as the model's CHECK says (0 pence, or over £1,000 an hour).
    some = next(i for i, wage in expected.items() if wage is not None)
    for wrong in (0, 100_001):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(TransferApprentice).where(TransferApprentice.id == some)
                               .values(hourly_wage_pence=wrong))
        db.session.rollback()
    db.session.execute(sa.update(TransferApprentice).where(TransferApprentice.id == some)
                       .values(hourly_wage_pence=100_000))
    db.session.rollback()
