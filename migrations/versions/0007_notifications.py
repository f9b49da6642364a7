"""Notifications: what needs a person, their choice of immediate or daily email, and reminders sent once

- `notifications`: each thing that needs one person (an entry queried, a placement proposed, a
  review waiting for their signature...), shown on their Notifications page and the source of
  their emails. It points at the records it is about by id (no personal data is copied), and
  goes with any of them (ON DELETE CASCADE). A reminder made by the daily job carries an
  `occurrence` naming it; (user_id, kind, occurrence) is UNIQUE, so the job makes each reminder
  once however often it runs. `email_state` is a CHECK (waiting, sent, not_sent) and a sent
  one has `emailed_at` (a CHECK).
- `notification_preferences`: how often a person wants these emails (immediate, daily or
  never); no row means immediate. Essential emails (invitations, password reset) ignore it.

Downgrading drops both tables: the lists and everyone's choice of email are lost.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KINDS = ('entry_queried', 'query_answered', 'placement_proposed', 'proposal_accepted', 'proposal_declined',
         'placement_returned', 'share_link_expiring', 'review_due_soon', 'review_overdue', 'signature_waiting',
         'nothing_logged', 'hours_behind', 'proposal_withdrawn', 'review_to_sign', 'placement_published',
         'placement_submitted')
EMAIL_STATES = ('waiting', 'sent', 'not_sent')
FREQUENCIES = ('immediate', 'daily', 'never')
# The records a notification may be about, each with its column and its table.
ABOUT = (('apprentice_id', 'apprentices'), ('log_entry_id', 'log_entries'), ('review_id', 'progress_reviews'),
         ('placement_id', 'placements'), ('assignment_id', 'placement_assignments'), ('share_link_id', 'share_links'))


def upgrade():
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('frequency', sa.Enum(*FREQUENCIES, name='email_frequency', native_enum=False,
                                       create_constraint=True, length=32), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences')),
    )
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='notification_kind', native_enum=False, create_constraint=True,
                                  length=32), nullable=False),
        sa.Column('occurrence', sa.String(length=64), nullable=True),
        *[sa.Column(column, sa.Integer(), nullable=True) for column, _ in ABOUT],
        sa.Column('on_date', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('email_state', sa.Enum(*EMAIL_STATES, name='email_state', native_enum=False, create_constraint=True,
                                         length=32), nullable=False),
        sa.Column('emailed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("(email_state = 'sent') = (emailed_at IS NOT NULL)",
                           name=op.f('ck_notifications_emailed_when_sent')),
        *[sa.ForeignKeyConstraint([column], [f'{table}.id'], name=op.f(f'fk_notifications_{column}_{table}'),
                                  ondelete='CASCADE') for column, table in ABOUT],
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'kind', 'occurrence', name='uq_notifications_once'),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        for column, _ in ABOUT:
            batch_op.create_index(batch_op.f(f'ix_notifications_{column}'), [column], unique=False)
        batch_op.create_index('ix_notifications_email_state', ['email_state'], unique=False)
        batch_op.create_index('ix_notifications_user_done', ['user_id', 'done_at', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_done')
        batch_op.drop_index('ix_notifications_email_state')
        for column, _ in reversed(ABOUT):
            batch_op.drop_index(batch_op.f(f'ix_notifications_{column}'))
    op.drop_table('notifications')
    op.drop_table('notification_preferences')
