"""Indexes for scale and the data version

Indexes found by measuring 20,000 apprentices and 1,000,000 log entries (docs/benchmarks.md),
and the programme's data version that keeps cached results correct (services/changes.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 01:34:48.450155

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apprentices', schema=None) as batch_op:
        batch_op.create_index('ix_apprentices_status_name', ['status', 'last_name', 'first_name'], unique=False)

    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_entries_status'))
        batch_op.create_index('ix_log_entries_progress', ['apprentice_id', 'status', 'off_the_job', 'activity_date', 'minutes'], unique=False)
        batch_op.create_index('ix_log_entries_status_date', ['status', 'activity_date'], unique=False)

    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.BigInteger(), server_default='0', nullable=False))

    with op.batch_alter_table('progress_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_progress_reviews_unheld', ['held_date', 'scheduled_date'], unique=False)
        batch_op.create_index('ix_progress_reviews_unlocked', ['locked_at', 'scheduled_date'], unique=False)



def downgrade():
    with op.batch_alter_table('progress_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_reviews_unlocked')
        batch_op.drop_index('ix_progress_reviews_unheld')

    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.drop_column('data_version')

    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_log_entries_status_date')
        batch_op.drop_index('ix_log_entries_progress')
        batch_op.create_index(batch_op.f('ix_log_entries_status'), ['status'], unique=False)

    with op.batch_alter_table('apprentices', schema=None) as batch_op:
        batch_op.drop_index('ix_apprentices_status_name')

