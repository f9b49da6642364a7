"""Indexes for the audit page's filters, each in the page's order (newest first)

- `ix_audit_events_action_occurred` (action, occurred_at): a kind of event (one action, or the
  actions of a broad kind) is found, and counted, in the index instead of by reading the whole log.
- `ix_audit_events_actor_occurred` (actor_id, occurred_at): what one person did, newest first. It
  takes the place of `ix_audit_events_actor_id` (actor_id alone), which it serves as well (the
  foreign key's lookups), so the log keeps the same number of indexes to write.

Only indexes change: nothing is rebuilt, on SQLite or PostgreSQL. Downgrading puts the old index back.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 12:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_events_action_occurred', 'audit_events', ['action', 'occurred_at'], unique=False)
    op.create_index('ix_audit_events_actor_occurred', 'audit_events', ['actor_id', 'occurred_at'], unique=False)
    op.drop_index('ix_audit_events_actor_id', table_name='audit_events')


def downgrade():
    op.create_index('ix_audit_events_actor_id', 'audit_events', ['actor_id'], unique=False)
    op.drop_index('ix_audit_events_actor_occurred', table_name='audit_events')
    op.drop_index('ix_audit_events_action_occurred', table_name='audit_events')
