"""Evidence files attached to log entries and progress reviews

- `evidence_files`: one row per file someone attached: to a log entry or to a review, exactly
  one of the two (a CHECK), with its apprentice (for the per-apprentice quota and the list of
  their evidence), its cleaned name, the media type found from its content, its size (more
  than nothing, a CHECK), the SHA-256 digest under which its bytes are kept in the evidence
  storage (local folder or S3-compatible; the same bytes are stored once, however many rows
  name them), an image's thumbnail digest, and its virus scan status (clean, pending or
  infected, a CHECK). Rows go with their apprentice, entry or review (ON DELETE CASCADE).
  Indexes find an entry's or a review's files, an apprentice's files newest first, the rows
  naming a digest (before the bytes are deleted) and the files waiting for the scanner.

The bytes themselves are not in the database: downgrading drops the table and leaves the
stored files where they are (instance/evidence/ or the bucket), unreferenced.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SCAN_STATUSES = ('clean', 'pending', 'infected')


def upgrade():
    op.create_table(
        'evidence_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('apprentice_id', sa.Integer(), nullable=False),
        sa.Column('log_entry_id', sa.Integer(), nullable=True),
        sa.Column('review_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('media_type', sa.String(length=127), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('thumbnail_digest', sa.String(length=64), nullable=True),
        sa.Column('scan_status', sa.Enum(*SCAN_STATUSES, name='evidence_scan_status', native_enum=False,
                                         create_constraint=True, length=32), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('scanned_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('(log_entry_id IS NULL) <> (review_id IS NULL)',
                           name=op.f('ck_evidence_files_attached_to_one')),
        sa.CheckConstraint('size_bytes > 0', name=op.f('ck_evidence_files_not_empty')),
        sa.CheckConstraint('length(digest) = 64', name=op.f('ck_evidence_files_sha256_digest')),
        sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'],
                                name=op.f('fk_evidence_files_apprentice_id_apprentices'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['log_entry_id'], ['log_entries.id'],
                                name=op.f('fk_evidence_files_log_entry_id_log_entries'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['review_id'], ['progress_reviews.id'],
                                name=op.f('fk_evidence_files_review_id_progress_reviews'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_files_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files')),
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_log_entry_id'), ['log_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_files_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_files_digest'), ['digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_files_thumbnail_digest'), ['thumbnail_digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_files_scan_status'), ['scan_status'], unique=False)
        batch_op.create_index('ix_evidence_files_apprentice_uploaded', ['apprentice_id', 'uploaded_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_files_apprentice_uploaded')
        batch_op.drop_index(batch_op.f('ix_evidence_files_scan_status'))
        batch_op.drop_index(batch_op.f('ix_evidence_files_thumbnail_digest'))
        batch_op.drop_index(batch_op.f('ix_evidence_files_digest'))
        batch_op.drop_index(batch_op.f('ix_evidence_files_review_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_files_log_entry_id'))
    op.drop_table('evidence_files')
