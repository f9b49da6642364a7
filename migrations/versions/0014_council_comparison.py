"""Councils side by side: other councils' published files, and links to a comparison (issue 16)

- `council_files`: a data file and its `.meta.csv` in the Explore Education Statistics open
  data standard, published by another council (geographic level Local authority) or by DfE
  for England (National), as a coordinator added it: its name, level (one of the two, a
  CHECK), period, cleaned file name, the address it was fetched from if it was, the two files'
  text and their size (more than nothing, a CHECK), who added it and when.
- `comparison_links`: share links to a comparison of one of our cohorts with those files: who
  it is for, the SHA-256 of its token (unique; the token is never stored), an optional expiry,
  the comparison as published (aggregates only, a JSON snapshot), who made it and when, when
  it was revoked, and its views (never negative, a CHECK). Links go with their cohort (ON
  DELETE CASCADE).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'council_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('geographic_level', sa.String(length=40), nullable=False),
        sa.Column('time_period', sa.String(length=20), nullable=False),
        sa.Column('time_identifier', sa.String(length=60), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('source_url', sa.String(length=2000), nullable=True),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('meta', sa.Text(), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('size_bytes > 0', name=op.f('ck_council_files_not_empty')),
        sa.CheckConstraint("geographic_level IN ('National', 'Local authority')",
                           name=op.f('ck_council_files_national_or_council')),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_council_files_added_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_council_files')),
    )
    op.create_table(
        'comparison_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('published', sa.JSON(), nullable=False),
        sa.Column('figures_as_of', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('view_count', sa.Integer(), nullable=False),
        sa.Column('last_viewed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('view_count >= 0', name=op.f('ck_comparison_links_views_not_negative')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_comparison_links_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_comparison_links_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_comparison_links_token_hash')),
    )
    with op.batch_alter_table('comparison_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comparison_links_cohort_id'), ['cohort_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comparison_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comparison_links_cohort_id'))
    op.drop_table('comparison_links')
    op.drop_table('council_files')
