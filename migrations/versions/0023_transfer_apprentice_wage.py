"""A transfer apprentice's hourly wage

- `transfer_apprentices.hourly_wage_pence`: what the apprentice is paid an hour, in pence, checked against the
  scheme's minimum wage when recorded or changed. Existing apprentices start with their application's hourly
  wage (NULL where the application gave none).

A nullable column added in place, with its CHECK on the column (SQLite can add that without rebuilding the
table, which levy_transactions refers to), and filled by one UPDATE: the same statements on SQLite and
PostgreSQL.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 16:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        ALTER TABLE transfer_apprentices ADD COLUMN hourly_wage_pence INTEGER
            CONSTRAINT ck_transfer_apprentices_wage_range
            CHECK (hourly_wage_pence IS NULL OR hourly_wage_pence BETWEEN 1 AND 100000)
    """)
    op.execute("""
        UPDATE transfer_apprentices SET hourly_wage_pence = (
            SELECT a.hourly_wage_pence FROM levy_applications AS a
            WHERE a.id = transfer_apprentices.application_id)
    """)


def downgrade():
    # In place, not a batch: on SQLite that would recreate transfer_apprentices, which levy_transactions refers
    # to. Its CHECK is the column's own, so it goes with it.
    op.execute('ALTER TABLE transfer_apprentices DROP COLUMN hourly_wage_pence')
