"""Placement proposals: withdrawn by the coordinator, made as a reserve, with a note to the employer

- `withdrawn`, a new status of placement_assignments: the coordinator took a proposal back
  before the employer answered. The row stays (who proposed whom, and when, is part of the
  placement's history); it no longer holds a place and the employer no longer sees it.
- `reserve`: a proposal made when every place was taken. It holds no place; the employer can
  accept it only once a place is free, and it then stops being a reserve. A CHECK keeps a
  reserve from being accepted, started or finished as one (a reserve is only ever proposed,
  declined or withdrawn).
- `note_to_employer`: what the coordinator wrote when proposing, shown to the employer when
  they decide.

Downgrading turns withdrawn proposals into declined ones (with the reason "Withdrawn by the
coordinator"), as the older schema has no other status for them, and forgets reserves and notes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OLD_STATUSES = ('proposed', 'accepted', 'declined', 'active', 'completed', 'ended_early')
NEW_STATUSES = (*OLD_STATUSES, 'withdrawn')


def _in(statuses) -> str:
    return ', '.join(f"'{s}'" for s in statuses)


def upgrade():
    with op.batch_alter_table('placement_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserve', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('note_to_employer', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_placement_assignments_assignment_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_placement_assignments_assignment_status'),
                                         f'status IN ({_in(NEW_STATUSES)})')
        batch_op.create_check_constraint(op.f('ck_placement_assignments_reserve_undecided'),
                                         "NOT reserve OR status IN ('proposed', 'declined', 'withdrawn')")


def downgrade():
    op.execute("UPDATE placement_assignments SET status = 'declined', "
               "decision_reason = COALESCE(decision_reason, 'Withdrawn by the coordinator') "
               "WHERE status = 'withdrawn'")
    with op.batch_alter_table('placement_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_placement_assignments_reserve_undecided'), type_='check')
        batch_op.drop_constraint(op.f('ck_placement_assignments_assignment_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_placement_assignments_assignment_status'),
                                         f'status IN ({_in(OLD_STATUSES)})')
        batch_op.drop_column('note_to_employer')
        batch_op.drop_column('reserve')
