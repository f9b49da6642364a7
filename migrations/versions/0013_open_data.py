"""Open data in the EES standard: council codes, rounding, every publication of a cohort (issue 16)

- `programme_settings.old_la_code`, `new_la_code`, `la_name`: the council as DfE's open data
  names it (a three-digit code, a nine-character GSS code, a name; CHECKs on the lengths),
  empty until a coordinator enters them.
- `programme_settings.round_to_five`: when on, every published count is rounded to the nearest
  5 (off by default, so nothing published changes until the programme chooses).
- `published_versions`: each distinct version of a cohort's figures that has been published
  (live link, snapshot or downloaded file), aggregates only, numbered per cohort. Unique
  (cohort_id, sequence) makes two requests publishing at once take turns; unique
  (cohort_id, digest) keeps the same figures once. Rows go with their cohort (ON DELETE CASCADE).
  The figures share links already show are recorded as the first versions, oldest first, so what
  is published from now on is checked against them too.

`programme_settings` is recreated in a batch on SQLite to add its CHECKs: nothing refers to it.
Downgrading forgets the codes, the rounding choice and the record of publications.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00.000000

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('old_la_code', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('new_la_code', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('la_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('round_to_five', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_programme_settings_old_la_code_length'),
                                         'old_la_code IS NULL OR length(old_la_code) = 3')
        batch_op.create_check_constraint(op.f('ck_programme_settings_new_la_code_length'),
                                         'new_la_code IS NULL OR length(new_la_code) = 9')

    op.create_table(
        'published_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('sequence >= 1', name=op.f('ck_published_versions_sequence_positive')),
        sa.CheckConstraint('length(digest) = 64', name=op.f('ck_published_versions_sha256_digest')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_published_versions_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_versions')),
        sa.UniqueConstraint('cohort_id', 'sequence', name='uq_published_versions_cohort_sequence'),
        sa.UniqueConstraint('cohort_id', 'digest', name='uq_published_versions_cohort_digest'),
    )
    _record_what_links_show()


def _record_what_links_show():
    links = sa.table('share_links', sa.column('cohort_id', sa.Integer()), sa.column('published_figures', sa.JSON()),
                     sa.column('figures_as_of', sa.DateTime()), sa.column('created_at', sa.DateTime()))
    versions = sa.table('published_versions', sa.column('cohort_id', sa.Integer()),
                        sa.column('sequence', sa.Integer()), sa.column('digest', sa.String()),
                        sa.column('figures', sa.JSON()), sa.column('published_at', sa.DateTime()))
    rows, seen = [], {}
    for cohort_id, figures, as_of, created_at in op.get_bind().execute(
            sa.select(links.c.cohort_id, links.c.published_figures, links.c.figures_as_of, links.c.created_at)
            .where(links.c.published_figures.is_not(None)).order_by(links.c.figures_as_of, links.c.created_at)):
        digest = hashlib.sha256(json.dumps(figures, sort_keys=True, separators=(',', ':')).encode()).hexdigest()
        if digest in seen.setdefault(cohort_id, set()):
            continue
        seen[cohort_id].add(digest)
        rows.append({'cohort_id': cohort_id, 'sequence': len(seen[cohort_id]), 'digest': digest, 'figures': figures,
                     'published_at': as_of or created_at})
    if rows:
        op.bulk_insert(versions, rows)


def downgrade():
    op.drop_table('published_versions')
    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_settings_new_la_code_length'), type_='check')
        batch_op.drop_constraint(op.f('ck_programme_settings_old_la_code_length'), type_='check')
        batch_op.drop_column('round_to_five')
        batch_op.drop_column('la_name')
        batch_op.drop_column('new_la_code')
        batch_op.drop_column('old_la_code')
