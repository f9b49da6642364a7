"""Migration 0022 (whether an employer partner pays the levy) on a programme with levy transfer applications:
each employer starts as its latest application said, and one that never applied as not known."""

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from apprenticeships.extensions import db
from apprenticeships.models import EmployerPartner, LevyApplication, OrganisationSize, utcnow

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def test_each_employer_starts_as_its_latest_application_said_and_one_that_never_applied_as_not_known(demo_db):
    applied = list(db.session.scalars(sa.select(EmployerPartner).where(
        EmployerPartner.id.in_(sa.select(LevyApplication.employer_id))).order_by(EmployerPartner.id)))
    never = EmployerPartner(name="Harbour Café", sector="Hospitality", size=OrganisationSize.SMALL, pays_levy=True)
    db.session.add(never)
    db.session.flush()
    assert len(applied) >= 2
    now = utcnow()
    expected = {never.id: None}
    several = 0  # employers with more than one application: which is the latest matters
    for n, employer in enumerate(applied):
        says = n % 2 == 0  # the latest says yes for one employer, no for the next, and so on
        theirs = list(db.session.scalars(sa.select(LevyApplication).where(LevyApplication.employer_id == employer.id)
                                         .order_by(LevyApplication.id)))
        # The latest is the one made last, not the one with the highest id: its first, made yesterday. The ones
        # made before it say the opposite.
        for days, application in enumerate(theirs, start=1):
            application.created_at = now - timedelta(days=days if days == 1 else 10 + days)
            application.employer_pays_levy = says if days == 1 else not says
        expected[employer.id] = says
        several += len(theirs) > 1
    assert several >= 1
    db.session.commit()
    db.session.remove()

    downgrade(directory=MIGRATIONS, revision="0021")
    with db.engine.connect() as connection:
        assert "pays_levy" not in {c["name"] for c in sa.inspect(connection).get_columns("employer_partners")}
    upgrade(directory=MIGRATIONS)
    found = dict(db.session.execute(sa.select(EmployerPartner.id, EmployerPartner.pays_levy)
                                    .where(EmployerPartner.id.in_(expected))).all())
    assert found == expected
