"""The levy: accounts, their ledger, funding of the council's apprentices, pledges and transfers (issue 17)

- `levy_accounts`: the council's apprenticeship service accounts (unique names and references).
- `levy_transactions`: each account's ledger, one row per movement of money in a month, in whole
  pence (1p to £1bn, a CHECK); a credit may say how much was the 10% top up; only a training payment
  names one of our apprentices, only a transfer payment a transfer apprentice (CHECKs; either may
  name no one, as DfE's file lists payments this service does not hold); an imported row carries a
  key that recognises it when a file comes again (unique per account); at most one expiry a month
  per account (a partial unique index: expiries are worked out by first in, first out).
- `levy_reported_expiries`: what DfE's transactions file says expired in a month, to compare.
- `funding_bands`: a standard's funding band maximum.
- `levy_fundings`: what one of our apprentices costs which account (one row per apprentice).
- `levy_pledges`, `levy_applications`, `transfer_apprentices`: transfers to local employers, with
  DfE's application statuses and each funded apprentice's outcome (no names).
- `levy_scheme`: the council's local rules for transfers (one row).
- `transfer_share_links`, `transfer_published_versions`: links to the summary of transfers, and every
  version of its figures published, for the same differencing rule as a cohort's.

Only new tables: nothing existing changes, so SQLite needs no table rebuilt. Downgrading drops them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 04:33:37.124744

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('levy_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('service_reference', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_levy_accounts_name')),
    sa.UniqueConstraint('service_reference', name=op.f('uq_levy_accounts_service_reference'))
    )
    op.create_table('levy_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('non_levy_employers_only', sa.Boolean(), nullable=False),
    sa.Column('apprentices_in_borough_only', sa.Boolean(), nullable=False),
    sa.Column('min_hourly_wage_pence', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_levy_scheme_single_row')),
    sa.CheckConstraint('min_hourly_wage_pence IS NULL OR min_hourly_wage_pence BETWEEN 1 AND 100000', name=op.f('ck_levy_scheme_wage_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_scheme'))
    )
    op.create_table('funding_bands',
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('max_pence', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('max_pence BETWEEN 1 AND 100000000000', name=op.f('ck_funding_bands_max_range')),
    sa.ForeignKeyConstraint(['standard_id'], ['apprenticeship_standards.id'], name=op.f('fk_funding_bands_standard_id_apprenticeship_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('standard_id', name=op.f('pk_funding_bands'))
    )
    op.create_table('levy_fundings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('price_pence', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('price_pence BETWEEN 1 AND 100000000000', name=op.f('ck_levy_fundings_price_range')),
    sa.ForeignKeyConstraint(['account_id'], ['levy_accounts.id'], name=op.f('fk_levy_fundings_account_id_levy_accounts')),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_levy_fundings_apprentice_id_apprentices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_fundings')),
    sa.UniqueConstraint('apprentice_id', name=op.f('uq_levy_fundings_apprentice_id'))
    )
    with op.batch_alter_table('levy_fundings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_levy_fundings_account_id'), ['account_id'], unique=False)

    op.create_table('levy_pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('locations', sa.String(length=500), nullable=True),
    sa.Column('sectors', sa.String(length=500), nullable=True),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('min_level', sa.Integer(), nullable=True),
    sa.Column('max_level', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'closed', name='levy_pledge_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('amount_pence BETWEEN 1 AND 100000000000', name=op.f('ck_levy_pledges_amount_range')),
    sa.CheckConstraint('max_level IS NULL OR max_level BETWEEN 2 AND 7', name=op.f('ck_levy_pledges_max_level_range')),
    sa.CheckConstraint('min_level IS NULL OR max_level IS NULL OR min_level <= max_level', name=op.f('ck_levy_pledges_levels_in_order')),
    sa.CheckConstraint('min_level IS NULL OR min_level BETWEEN 2 AND 7', name=op.f('ck_levy_pledges_min_level_range')),
    sa.CheckConstraint('year BETWEEN 2017 AND 2100', name=op.f('ck_levy_pledges_year_range')),
    sa.ForeignKeyConstraint(['account_id'], ['levy_accounts.id'], name=op.f('fk_levy_pledges_account_id_levy_accounts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_levy_pledges_created_by_id_users')),
    sa.ForeignKeyConstraint(['standard_id'], ['apprenticeship_standards.id'], name=op.f('fk_levy_pledges_standard_id_apprenticeship_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_pledges'))
    )
    with op.batch_alter_table('levy_pledges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_levy_pledges_account_id'), ['account_id'], unique=False)

    op.create_table('levy_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('service_reference', sa.String(length=20), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'accepted', 'funds_used', 'declined', 'withdrawn', name='levy_application_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('apprentices_planned', sa.Integer(), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('employer_pays_levy', sa.Boolean(), nullable=False),
    sa.Column('hourly_wage_pence', sa.Integer(), nullable=True),
    sa.Column('apprentices_live_in_borough', sa.Boolean(), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('amount_pence BETWEEN 1 AND 100000000000', name=op.f('ck_levy_applications_amount_range')),
    sa.CheckConstraint('apprentices_planned BETWEEN 1 AND 1000', name=op.f('ck_levy_applications_apprentices_range')),
    sa.CheckConstraint('hourly_wage_pence IS NULL OR hourly_wage_pence BETWEEN 1 AND 100000', name=op.f('ck_levy_applications_wage_range')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_levy_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employer_partners.id'], name=op.f('fk_levy_applications_employer_id_employer_partners')),
    sa.ForeignKeyConstraint(['pledge_id'], ['levy_pledges.id'], name=op.f('fk_levy_applications_pledge_id_levy_pledges')),
    sa.ForeignKeyConstraint(['standard_id'], ['apprenticeship_standards.id'], name=op.f('fk_levy_applications_standard_id_apprenticeship_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_applications')),
    sa.UniqueConstraint('service_reference', name=op.f('uq_levy_applications_service_reference'))
    )
    with op.batch_alter_table('levy_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_levy_applications_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_levy_applications_pledge_id'), ['pledge_id'], unique=False)

    op.create_table('transfer_apprentices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('price_pence', sa.BigInteger(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('planned_end_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Enum('in_learning', 'completed', 'withdrawn', name='transfer_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('lives_in_borough', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("(outcome = 'in_learning') = (end_date IS NULL)", name=op.f('ck_transfer_apprentices_end_date_with_outcome')),
    sa.CheckConstraint('planned_end_date > start_date', name=op.f('ck_transfer_apprentices_ends_after_start')),
    sa.CheckConstraint('price_pence BETWEEN 1 AND 100000000000', name=op.f('ck_transfer_apprentices_price_range')),
    sa.ForeignKeyConstraint(['application_id'], ['levy_applications.id'], name=op.f('fk_transfer_apprentices_application_id_levy_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_apprentices')),
    sa.UniqueConstraint('application_id', 'reference', name=op.f('uq_transfer_apprentices_application_id'))
    )
    with op.batch_alter_table('transfer_apprentices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_apprentices_application_id'), ['application_id'], unique=False)

    op.create_table('levy_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('credit', 'training', 'transfer', 'expiry', name='levy_transaction_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('top_up_pence', sa.BigInteger(), nullable=True),
    sa.Column('apprentice_id', sa.Integer(), nullable=True),
    sa.Column('transfer_apprentice_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('source', sa.Enum('entered', 'imported', 'worked_out', name='levy_transaction_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('import_key', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("apprentice_id IS NULL OR kind = 'training'", name=op.f('ck_levy_transactions_training_names_apprentice')),
    sa.CheckConstraint("transfer_apprentice_id IS NULL OR kind = 'transfer'", name=op.f('ck_levy_transactions_transfer_names_apprentice')),
    sa.CheckConstraint("top_up_pence IS NULL OR (kind = 'credit' AND top_up_pence BETWEEN 0 AND amount_pence)", name=op.f('ck_levy_transactions_top_up_only_on_credits')),
    sa.CheckConstraint('amount_pence BETWEEN 1 AND 100000000000', name=op.f('ck_levy_transactions_amount_range')),
    sa.ForeignKeyConstraint(['account_id'], ['levy_accounts.id'], name=op.f('fk_levy_transactions_account_id_levy_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_levy_transactions_apprentice_id_apprentices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_levy_transactions_created_by_id_users')),
    sa.ForeignKeyConstraint(['transfer_apprentice_id'], ['transfer_apprentices.id'], name=op.f('fk_levy_transactions_transfer_apprentice_id_transfer_apprentices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_transactions')),
    sa.UniqueConstraint('account_id', 'import_key', name='uq_levy_transactions_import_key')
    )
    with op.batch_alter_table('levy_transactions', schema=None) as batch_op:
        batch_op.create_index('ix_levy_transactions_account_month', ['account_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_levy_transactions_apprentice_id'), ['apprentice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_levy_transactions_transfer_apprentice_id'), ['transfer_apprentice_id'], unique=False)
        batch_op.create_index('uq_levy_transactions_one_expiry_a_month', ['account_id', 'month'], unique=True, sqlite_where=sa.text("kind = 'expiry'"), postgresql_where=sa.text("kind = 'expiry'"))

    op.create_table('levy_reported_expiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_pence BETWEEN 0 AND 100000000000', name=op.f('ck_levy_reported_expiries_amount_range')),
    sa.ForeignKeyConstraint(['account_id'], ['levy_accounts.id'], name=op.f('fk_levy_reported_expiries_account_id_levy_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_levy_reported_expiries')),
    sa.UniqueConstraint('account_id', 'month', name='uq_levy_reported_expiries_account_month')
    )

    op.create_table('transfer_share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.Enum('live', 'snapshot', name='share_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('published_figures', sa.JSON(), nullable=False),
    sa.Column('figures_as_of', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('last_viewed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('view_count >= 0', name=op.f('ck_transfer_share_links_views_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_transfer_share_links_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_share_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_transfer_share_links_token_hash'))
    )
    op.create_table('transfer_published_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(digest) = 64', name=op.f('ck_transfer_published_versions_sha256_digest')),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_transfer_published_versions_sequence_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_published_versions')),
    sa.UniqueConstraint('digest', name=op.f('uq_transfer_published_versions_digest')),
    sa.UniqueConstraint('sequence', name=op.f('uq_transfer_published_versions_sequence'))
    )



def downgrade():
    op.drop_table('transfer_published_versions')
    op.drop_table('transfer_share_links')
    op.drop_table('levy_reported_expiries')
    with op.batch_alter_table('levy_transactions', schema=None) as batch_op:
        batch_op.drop_index('uq_levy_transactions_one_expiry_a_month', sqlite_where=sa.text("kind = 'expiry'"), postgresql_where=sa.text("kind = 'expiry'"))
        batch_op.drop_index(batch_op.f('ix_levy_transactions_transfer_apprentice_id'))
        batch_op.drop_index(batch_op.f('ix_levy_transactions_apprentice_id'))
        batch_op.drop_index('ix_levy_transactions_account_month')

    op.drop_table('levy_transactions')
    with op.batch_alter_table('transfer_apprentices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_apprentices_application_id'))

    op.drop_table('transfer_apprentices')
    with op.batch_alter_table('levy_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_levy_applications_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_levy_applications_employer_id'))

    op.drop_table('levy_applications')
    with op.batch_alter_table('levy_pledges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_levy_pledges_account_id'))

    op.drop_table('levy_pledges')
    with op.batch_alter_table('levy_fundings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_levy_fundings_account_id'))

    op.drop_table('levy_fundings')
    op.drop_table('funding_bands')
    op.drop_table('levy_scheme')
    op.drop_table('levy_accounts')
