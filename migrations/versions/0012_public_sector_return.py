"""The public sector apprenticeship return (issue 16)

- `apprentices.employed_by`: who employs the apprentice, the council (excluding maintained
  schools) or a maintained school (a CHECK); "council" for every existing record.
  `apprentices.employed_by_since`: the date they moved there, when they moved after starting
  (empty: since they started).
- `sector_returns`: one per financial year (`year` is the calendar year of its 1 April, 2017 to
  2100, unique), with its narrative answers, who submitted it and when (both or neither, a
  CHECK), when it last changed, and a version that every change moves on.
- `sector_return_parts`: per return, one row per part of the council (unique): employee
  headcounts and full-time equivalents as entered, and the apprentice figures as filed. Every
  figure is empty or 0 to 10,000,000 (CHECKs). Rows go with their return (ON DELETE CASCADE).

On SQLite the apprentices' columns are added in place (ALTER TABLE ... ADD COLUMN), the CHECK
written on the column: recreating `apprentices` in a batch would drop a table that others refer
to (see 0011). Downgrading drops the returns and forgets who employs each apprentice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PARTS = ('council', 'maintained_school')
COUNTS = ('employees_start', 'employees_end', 'employees_new', 'apprentices_start', 'apprentices_end',
          'apprentices_new')
FTES = ('fte_start', 'fte_end', 'fte_new')
EMPLOYED_BY_CHECK = "employed_by IN ('council', 'maintained_school')"


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE apprentices ADD COLUMN employed_by VARCHAR(32) DEFAULT 'council' NOT NULL "
                   f"CONSTRAINT ck_apprentices_employed_by CHECK ({EMPLOYED_BY_CHECK})")
    else:
        op.add_column('apprentices', sa.Column('employed_by', sa.String(length=32), server_default='council',
                                               nullable=False))
        op.create_check_constraint(op.f('ck_apprentices_employed_by'), 'apprentices', EMPLOYED_BY_CHECK)
    op.add_column('apprentices', sa.Column('employed_by_since', sa.Date(), nullable=True))

    op.create_table(
        'sector_returns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('actions_taken', sa.Text(), nullable=True),
        sa.Column('challenges', sa.Text(), nullable=True),
        sa.Column('future_plans', sa.Text(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint('year BETWEEN 2017 AND 2100', name=op.f('ck_sector_returns_year_range')),
        sa.CheckConstraint('(submitted_at IS NULL) = (submitted_by_id IS NULL)',
                           name=op.f('ck_sector_returns_submitted_by_someone')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'],
                                name=op.f('fk_sector_returns_submitted_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_returns')),
        sa.UniqueConstraint('year', name=op.f('uq_sector_returns_year')),
    )
    op.create_table(
        'sector_return_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_id', sa.Integer(), nullable=False),
        sa.Column('employed_by', sa.Enum(*PARTS, name='return_part', native_enum=False, create_constraint=True,
                                         length=32), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in COUNTS[:3]),
        *(sa.Column(name, sa.Numeric(precision=10, scale=2), nullable=True) for name in FTES),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in COUNTS[3:]),
        *(sa.CheckConstraint(f'{name} IS NULL OR {name} BETWEEN 0 AND 10000000',
                             name=op.f(f'ck_sector_return_parts_{name}_range')) for name in COUNTS + FTES),
        sa.ForeignKeyConstraint(['return_id'], ['sector_returns.id'],
                                name=op.f('fk_sector_return_parts_return_id_sector_returns'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_return_parts')),
        sa.UniqueConstraint('return_id', 'employed_by', name=op.f('uq_sector_return_parts_return_id')),
    )
    with op.batch_alter_table('sector_return_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sector_return_parts_return_id'), ['return_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sector_return_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sector_return_parts_return_id'))
    op.drop_table('sector_return_parts')
    op.drop_table('sector_returns')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE apprentices DROP COLUMN employed_by_since')
        op.execute('ALTER TABLE apprentices DROP COLUMN employed_by')
    else:
        op.drop_column('apprentices', 'employed_by_since')
        op.drop_constraint(op.f('ck_apprentices_employed_by'), 'apprentices', type_='check')
        op.drop_column('apprentices', 'employed_by')
