"""Whether an employer partner pays the apprenticeship levy

- `employer_partners.pays_levy`: Yes, No or not known (NULL). The levy transfer rules read it (a scheme
  for non-levy employers only) where they read the employer's latest application before. It starts as
  what each employer said in its latest levy transfer application (newest first, then the highest id,
  as services/levy_transfers.py ordered them), and NULL for one that has not applied.

A nullable column added in place and filled by one UPDATE: nothing is rebuilt, on SQLite or PostgreSQL.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 15:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('employer_partners', sa.Column('pays_levy', sa.Boolean(), nullable=True))
    op.execute("""
        UPDATE employer_partners SET pays_levy = (
            SELECT a.employer_pays_levy FROM levy_applications AS a
            WHERE a.employer_id = employer_partners.id
            ORDER BY a.created_at DESC, a.id DESC LIMIT 1)
    """)


def downgrade():
    # In place, not a batch: on SQLite that would recreate employer_partners, which other tables refer to.
    op.execute('ALTER TABLE employer_partners DROP COLUMN pays_levy')
