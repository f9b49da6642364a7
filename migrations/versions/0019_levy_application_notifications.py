"""Coordinators are told when an employer partner applies for levy transfer funds

- `notifications.kind` may now be `levy_application_received`: each coordinator is told at once when an
  employer partner applies to a pledge through the app, and the notification waits until the
  application is approved, rejected or withdrawn. A notification has no column for an application: its
  `occurrence` names it ("levy_application:7").
- `notifications.kind` may now be `levy_application_approved`, `levy_application_rejected` or
  `levy_application_funds_used`: the employer partner's users are told the council's decision on their
  application, and when all its funds are paid (its `occurrence` names the application the same way).
- `notifications.kind` may now be `levy_application_accepted`, `levy_application_declined` or
  `levy_application_withdrawn`: the coordinators are told when the employer partner accepts or declines
  the funds approved, or withdraws its application (the same `occurrence`).

`notifications` is recreated in a batch to change its CHECK (nothing refers to it), as 0016 did.
Kinds that later migrations add go in NEW_KINDS here only if they share this revision.

Downgrading deletes these notifications before the CHECK is narrowed again.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 08:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OLD_KINDS = ('entry_queried', 'query_answered', 'placement_proposed', 'proposal_accepted', 'proposal_declined',
             'placement_returned', 'share_link_expiring', 'review_due_soon', 'review_overdue', 'signature_waiting',
             'nothing_logged', 'hours_behind', 'proposal_withdrawn', 'review_to_sign', 'placement_published',
             'placement_submitted', 'retention_due', 'review_reopened')
ADDED = ('levy_application_received', 'levy_application_approved', 'levy_application_rejected',
         'levy_application_funds_used', 'levy_application_accepted', 'levy_application_declined',
         'levy_application_withdrawn')
NEW_KINDS = (*OLD_KINDS, *ADDED)


def _kinds(kinds) -> None:
    listed = ', '.join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notification_kind'), f'kind IN ({listed})')


def upgrade():
    _kinds(NEW_KINDS)


def downgrade():
    listed = ', '.join(f"'{kind}'" for kind in ADDED)
    op.execute(f'DELETE FROM notifications WHERE kind IN ({listed})')
    _kinds(OLD_KINDS)
