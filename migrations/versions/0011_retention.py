"""Retention: how long records are kept, records kept longer, and the reminder to review them

- `programme_settings.retention_years` may now be up to 100 (its CHECK was 1 to 20), and
  `programme_settings.audit_retention_years` (1 to 100, a CHECK; 7 for the existing row) says how
  long the audit log keeps an event before it is deleted.
- `apprentices.keep_longer`: a record that must be kept past the retention period (match-funded
  evidence, say), never anonymised while it is set; false for every existing record.
  `apprentices.keep_longer_reason` says why, and a CHECK makes it given whenever the flag is set.
- `notifications.kind` may now be `retention_due` (its CHECK lists the kinds): the coordinators'
  reminder that records are past their retention period, made by the daily job.

On SQLite the apprentices' columns are added in place (ALTER TABLE ... ADD COLUMN), the CHECK
written on the reason's column: recreating `apprentices` in a batch would drop a table that log
entries, reviews and more refer to, deleting their rows through ON DELETE CASCADE. They are
dropped in place too (SQLite 3.35+), the reason first, so its CHECK goes with it.
`programme_settings` and `notifications` are recreated in a batch to change their CHECKs: nothing
refers to them.

Downgrading forgets which records are kept longer and why, deletes the reminders to review
records past their period, forgets the audit log's retention period, and brings a retention
period longer than 20 years down to 20.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_KINDS = ('entry_queried', 'query_answered', 'placement_proposed', 'proposal_accepted', 'proposal_declined',
             'placement_returned', 'share_link_expiring', 'review_due_soon', 'review_overdue', 'signature_waiting',
             'nothing_logged', 'hours_behind', 'proposal_withdrawn', 'review_to_sign', 'placement_published',
             'placement_submitted')
NEW_KINDS = (*OLD_KINDS, 'retention_due')
REASON_GIVEN = 'NOT keep_longer OR keep_longer_reason IS NOT NULL'


def _kinds(kinds) -> None:
    listed = ', '.join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notification_kind'), f'kind IN ({listed})')


def upgrade():
    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_retention_years', sa.Integer(), server_default='7', nullable=False))
        batch_op.drop_constraint(op.f('ck_programme_settings_retention_range'), type_='check')
        batch_op.create_check_constraint(op.f('ck_programme_settings_retention_range'),
                                         'retention_years BETWEEN 1 AND 100')
        batch_op.create_check_constraint(op.f('ck_programme_settings_audit_retention_range'),
                                         'audit_retention_years BETWEEN 1 AND 100')

    op.add_column('apprentices', sa.Column('keep_longer', sa.Boolean(), server_default=sa.false(), nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE apprentices ADD COLUMN keep_longer_reason VARCHAR(200) '
                   f'CONSTRAINT ck_apprentices_keep_longer_reason CHECK ({REASON_GIVEN})')
    else:
        op.add_column('apprentices', sa.Column('keep_longer_reason', sa.String(length=200), nullable=True))
        op.create_check_constraint(op.f('ck_apprentices_keep_longer_reason'), 'apprentices', REASON_GIVEN)

    _kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'retention_due'")
    _kinds(OLD_KINDS)

    if op.get_bind().dialect.name == 'sqlite':
        # In place, the reason first: its CHECK (which names keep_longer) goes with it.
        op.execute('ALTER TABLE apprentices DROP COLUMN keep_longer_reason')
        op.execute('ALTER TABLE apprentices DROP COLUMN keep_longer')
    else:
        op.drop_constraint(op.f('ck_apprentices_keep_longer_reason'), 'apprentices', type_='check')
        op.drop_column('apprentices', 'keep_longer_reason')
        op.drop_column('apprentices', 'keep_longer')

    op.execute('UPDATE programme_settings SET retention_years = 20 WHERE retention_years > 20')
    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_settings_audit_retention_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_programme_settings_retention_range'), type_='check')
        batch_op.create_check_constraint(op.f('ck_programme_settings_retention_range'),
                                         'retention_years BETWEEN 1 AND 20')
        batch_op.drop_column('audit_retention_years')
