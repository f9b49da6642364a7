"""Each apprentice's last review held, found in an index

- `ix_progress_reviews_apprentice_held` (apprentice_id, held_date): the progress figures
  (services/progress.py) read each apprentice's latest review held. Without it, PostgreSQL with
  no statistics yet (a database just filled) walked the whole `ix_progress_reviews_unheld` index
  backwards for each apprentice: the dashboard's reviews due took 0.5 to 2 s at 2,000 apprentices.

Only an index is added: nothing is rebuilt, on SQLite or PostgreSQL.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 09:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_progress_reviews_apprentice_held', 'progress_reviews', ['apprentice_id', 'held_date'],
                    unique=False)


def downgrade():
    op.drop_index('ix_progress_reviews_apprentice_held', table_name='progress_reviews')
