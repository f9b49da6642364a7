"""The full data model

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 23:15:48.407205

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('apprenticeship_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('otj_minimum_hours', sa.Integer(), nullable=False),
    sa.Column('typical_duration_months', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('level BETWEEN 2 AND 7', name=op.f('ck_apprenticeship_standards_level_range')),
    sa.CheckConstraint('otj_minimum_hours >= 0', name=op.f('ck_apprenticeship_standards_otj_minimum_not_negative')),
    sa.CheckConstraint('typical_duration_months BETWEEN 8 AND 72', name=op.f('ck_apprenticeship_standards_duration_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apprenticeship_standards')),
    sa.UniqueConstraint('reference', name=op.f('uq_apprenticeship_standards_reference'))
    )
    op.create_table('cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('intake_target', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('intake_target IS NULL OR intake_target > 0', name=op.f('ck_cohorts_intake_target_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts')),
    sa.UniqueConstraint('name', name=op.f('uq_cohorts_name'))
    )
    op.create_table('employer_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('sector', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Enum('micro', 'small', 'medium', 'large', name='organisation_size', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('website', sa.String(length=255), nullable=True),
    sa.Column('status', sa.Enum('prospect', 'active', 'paused', 'ended', name='partnership_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_employer_partners_name'))
    )
    with op.batch_alter_table('employer_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_partners_sector'), ['sector'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_partners_status'), ['status'], unique=False)

    op.create_table('mentors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('job_title', sa.String(length=120), nullable=True),
    sa.Column('team', sa.String(length=120), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('capacity BETWEEN 0 AND 50', name=op.f('ck_mentors_capacity_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentors')),
    sa.UniqueConstraint('email', name=op.f('uq_mentors_email'))
    )
    op.create_table('programme_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_interval_unit', sa.Enum('weeks', 'months', name='review_interval_unit', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('review_interval_value', sa.Integer(), nullable=False),
    sa.Column('disclosure_threshold', sa.Integer(), nullable=False),
    sa.Column('retention_years', sa.Integer(), nullable=False),
    sa.Column('demo_loaded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('disclosure_threshold BETWEEN 2 AND 20', name=op.f('ck_programme_settings_threshold_range')),
    sa.CheckConstraint('id = 1', name=op.f('ck_programme_settings_single_row')),
    sa.CheckConstraint('retention_years BETWEEN 1 AND 20', name=op.f('ck_programme_settings_retention_range')),
    sa.CheckConstraint('review_interval_value BETWEEN 1 AND 52', name=op.f('ck_programme_settings_review_interval_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_settings'))
    )
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failures_account_key'), ['account_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failures_client_address'), ['client_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failures_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('training_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('ukprn', sa.String(length=8), nullable=True),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_providers')),
    sa.UniqueConstraint('name', name=op.f('uq_training_providers_name')),
    sa.UniqueConstraint('ukprn', name=op.f('uq_training_providers_ukprn'))
    )
    op.create_table('apprentices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('uln', sa.String(length=10), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('service_area', sa.Enum('applications', 'data', 'delivery', 'digital_service_design', 'infrastructure', 'software_development', 'user_support', name='service_area', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('team', sa.String(length=120), nullable=True),
    sa.Column('job_title', sa.String(length=120), nullable=True),
    sa.Column('contracted_minutes_per_week', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('planned_end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('active', 'break_in_learning', 'withdrawn', 'completed', name='apprentice_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('gateway_date', sa.Date(), nullable=True),
    sa.Column('epa_outcome', sa.Enum('pass', 'merit', 'distinction', 'fail', name='epa_outcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('epa_date', sa.Date(), nullable=True),
    sa.Column('withdrawal_date', sa.Date(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('completion_date', sa.Date(), nullable=True),
    sa.Column('consent_to_be_named', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('anonymised_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status != 'completed' OR completion_date IS NOT NULL", name=op.f('ck_apprentices_completion_dated')),
    sa.CheckConstraint("status != 'withdrawn' OR withdrawal_date IS NOT NULL", name=op.f('ck_apprentices_withdrawal_dated')),
    sa.CheckConstraint('contracted_minutes_per_week BETWEEN 60 AND 3600', name=op.f('ck_apprentices_contracted_hours_range')),
    sa.CheckConstraint('epa_outcome IS NULL OR gateway_date IS NOT NULL', name=op.f('ck_apprentices_epa_after_gateway')),
    sa.CheckConstraint('planned_end_date > start_date', name=op.f('ck_apprentices_end_after_start')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_apprentices_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], name=op.f('fk_apprentices_mentor_id_mentors')),
    sa.ForeignKeyConstraint(['provider_id'], ['training_providers.id'], name=op.f('fk_apprentices_provider_id_training_providers')),
    sa.ForeignKeyConstraint(['standard_id'], ['apprenticeship_standards.id'], name=op.f('fk_apprentices_standard_id_apprenticeship_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apprentices')),
    sa.UniqueConstraint('email', name=op.f('uq_apprentices_email')),
    sa.UniqueConstraint('uln', name=op.f('uq_apprentices_uln'))
    )
    with op.batch_alter_table('apprentices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apprentices_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index('ix_apprentices_cohort_status', ['cohort_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_apprentices_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_apprentices_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_apprentices_standard_id'), ['standard_id'], unique=False)

    op.create_table('ksbs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.Enum('knowledge', 'skill', 'behaviour', name='ksb_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'knowledge' AND code LIKE 'K%') OR (kind = 'skill' AND code LIKE 'S%') OR (kind = 'behaviour' AND code LIKE 'B%')", name=op.f('ck_ksbs_code_matches_kind')),
    sa.ForeignKeyConstraint(['standard_id'], ['apprenticeship_standards.id'], name=op.f('fk_ksbs_standard_id_apprenticeship_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ksbs')),
    sa.UniqueConstraint('standard_id', 'code', name='uq_ksbs_standard_code')
    )
    with op.batch_alter_table('ksbs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ksbs_standard_id'), ['standard_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('coordinator', 'mentor', 'employer', 'apprentice', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('apprentice_id', sa.Integer(), nullable=True),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('invite_token_hash', sa.String(length=64), nullable=True),
    sa.Column('invite_expires_at', sa.DateTime(), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('calendar_token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(), nullable=True),
    sa.Column('last_signed_in_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(role = 'apprentice') = (apprentice_id IS NOT NULL)", name=op.f('ck_users_apprentice_link')),
    sa.CheckConstraint("(role = 'employer') = (employer_id IS NOT NULL)", name=op.f('ck_users_employer_link')),
    sa.CheckConstraint("(role = 'mentor') = (mentor_id IS NOT NULL)", name=op.f('ck_users_mentor_link')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_users_apprentice_id_apprentices')),
    sa.ForeignKeyConstraint(['employer_id'], ['employer_partners.id'], name=op.f('fk_users_employer_id_employer_partners')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_users_invited_by_id_users')),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], name=op.f('fk_users_mentor_id_mentors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('apprentice_id', name=op.f('uq_users_apprentice_id')),
    sa.UniqueConstraint('calendar_token_hash', name=op.f('uq_users_calendar_token_hash')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('invite_token_hash', name=op.f('uq_users_invite_token_hash')),
    sa.UniqueConstraint('mentor_id', name=op.f('uq_users_mentor_id'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_employer_id'), ['employer_id'], unique=False)

    op.create_table('apprentice_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('active', 'break_in_learning', 'withdrawn', 'completed', name='from_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('active', 'break_in_learning', 'withdrawn', 'completed', name='to_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_apprentice_status_changes_apprentice_id_apprentices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_apprentice_status_changes_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apprentice_status_changes'))
    )
    with op.batch_alter_table('apprentice_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apprentice_status_changes_apprentice_id'), ['apprentice_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('breaks_in_learning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('expected_return_date', sa.Date(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('expected_return_date > start_date', name=op.f('ck_breaks_in_learning_return_after_start')),
    sa.CheckConstraint('returned_on IS NULL OR returned_on >= start_date', name=op.f('ck_breaks_in_learning_returned_after_start')),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_breaks_in_learning_apprentice_id_apprentices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_breaks_in_learning_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breaks_in_learning'))
    )
    with op.batch_alter_table('breaks_in_learning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_breaks_in_learning_apprentice_id'), ['apprentice_id'], unique=False)

    op.create_table('employer_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('meeting', 'pledge', 'event', 'note', name='activity_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employer_partners.id'], name=op.f('fk_employer_activities_employer_id_employer_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_employer_activities_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_activities'))
    )
    with op.batch_alter_table('employer_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_activities_employer_id'), ['employer_id'], unique=False)

    op.create_table('employer_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('job_title', sa.String(length=120), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['employer_id'], ['employer_partners.id'], name=op.f('fk_employer_contacts_employer_id_employer_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_employer_contacts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_contacts')),
    sa.UniqueConstraint('employer_id', 'email', name='uq_employer_contacts_employer_email'),
    sa.UniqueConstraint('user_id', name=op.f('uq_employer_contacts_user_id'))
    )
    with op.batch_alter_table('employer_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_contacts_employer_id'), ['employer_id'], unique=False)

    op.create_table('log_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('activity_date', sa.Date(), nullable=False),
    sa.Column('activity_type', sa.Enum('training_course', 'study_time', 'shadowing', 'mentoring', 'project_work', 'assessment_preparation', 'other', name='activity_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('off_the_job', sa.Boolean(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'verified', 'queried', name='verification_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('query_comment', sa.Text(), nullable=True),
    sa.Column('query_response', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status != 'queried' OR query_comment IS NOT NULL", name=op.f('ck_log_entries_query_has_comment')),
    sa.CheckConstraint("status != 'verified' OR (verified_by_id IS NOT NULL AND verified_at IS NOT NULL)", name=op.f('ck_log_entries_verified_by_someone')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 1440 AND minutes % 15 = 0', name=op.f('ck_log_entries_minutes_quarter_hours')),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_log_entries_apprentice_id_apprentices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_log_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_log_entries_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_entries'))
    )
    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.create_index('ix_log_entries_apprentice_date', ['apprentice_id', 'activity_date'], unique=False)
        batch_op.create_index('ix_log_entries_status', ['status'], unique=False)

    op.create_table('progress_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_date', sa.Date(), nullable=False),
    sa.Column('held_date', sa.Date(), nullable=True),
    sa.Column('attendees', sa.Text(), nullable=True),
    sa.Column('rag', sa.Enum('red', 'amber', 'green', name='rag', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('progress_notes', sa.Text(), nullable=True),
    sa.Column('ksb_progress', sa.Text(), nullable=True),
    sa.Column('otj_minutes_at_review', sa.Integer(), nullable=True),
    sa.Column('next_review_date', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('held_date IS NOT NULL OR rag IS NULL', name=op.f('ck_progress_reviews_rag_when_held')),
    sa.CheckConstraint('locked_at IS NULL OR held_date IS NOT NULL', name=op.f('ck_progress_reviews_locked_when_held')),
    sa.CheckConstraint('otj_minutes_at_review IS NULL OR otj_minutes_at_review >= 0', name=op.f('ck_progress_reviews_otj_not_negative')),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_progress_reviews_apprentice_id_apprentices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_progress_reviews_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reviews'))
    )
    with op.batch_alter_table('progress_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_progress_reviews_apprentice_scheduled', ['apprentice_id', 'scheduled_date'], unique=False)

    op.create_table('share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.Enum('live', 'snapshot', name='share_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('published_figures', sa.JSON(), nullable=True),
    sa.Column('figures_as_of', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('last_viewed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("mode != 'snapshot' OR published_figures IS NOT NULL", name=op.f('ck_share_links_snapshot_has_figures')),
    sa.CheckConstraint('view_count >= 0', name=op.f('ck_share_links_views_not_negative')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_share_links_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_share_links_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_links_token_hash'))
    )
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_links_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('log_entry_ksbs',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('ksb_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['log_entries.id'], name=op.f('fk_log_entry_ksbs_entry_id_log_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ksb_id'], ['ksbs.id'], name=op.f('fk_log_entry_ksbs_ksb_id_ksbs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'ksb_id', name=op.f('pk_log_entry_ksbs'))
    )
    op.create_table('log_entry_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_log_entry_revisions_changed_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['log_entries.id'], name=op.f('fk_log_entry_revisions_entry_id_log_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_entry_revisions'))
    )
    with op.batch_alter_table('log_entry_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_entry_revisions_entry_id'), ['entry_id'], unique=False)

    op.create_table('placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('team', sa.String(length=120), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('learning_outcomes', sa.Text(), nullable=True),
    sa.Column('skills', sa.Text(), nullable=True),
    sa.Column('location', sa.String(length=160), nullable=True),
    sa.Column('working_pattern', sa.Enum('on_site', 'hybrid', 'remote', name='working_pattern', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('minutes_per_week', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('closing_date', sa.Date(), nullable=True),
    sa.Column('host_supervisor_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'published', 'withdrawn', 'closed', name='placement_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('coordinator_comment', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('closing_date IS NULL OR closing_date <= start_date', name=op.f('ck_placements_closes_before_start')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_placements_end_after_start')),
    sa.CheckConstraint('minutes_per_week BETWEEN 60 AND 3600', name=op.f('ck_placements_hours_range')),
    sa.CheckConstraint('places BETWEEN 1 AND 50', name=op.f('ck_placements_places_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_placements_created_by_id_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employer_partners.id'], name=op.f('fk_placements_employer_id_employer_partners')),
    sa.ForeignKeyConstraint(['host_supervisor_id'], ['employer_contacts.id'], name=op.f('fk_placements_host_supervisor_id_employer_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements'))
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placements_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_status'), ['status'], unique=False)

    op.create_table('review_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['review_id'], ['progress_reviews.id'], name=op.f('fk_review_actions_review_id_progress_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_actions'))
    )
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_actions_review_id'), ['review_id'], unique=False)

    op.create_table('review_reopenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reopened_by_id', sa.Integer(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'], name=op.f('fk_review_reopenings_reopened_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['progress_reviews.id'], name=op.f('fk_review_reopenings_review_id_progress_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reopenings'))
    )
    with op.batch_alter_table('review_reopenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_reopenings_review_id'), ['review_id'], unique=False)

    op.create_table('review_signoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.Enum('apprentice', 'employer', 'coordinator', name='signoff_party', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['progress_reviews.id'], name=op.f('fk_review_signoffs_review_id_progress_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_signoffs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_signoffs')),
    sa.UniqueConstraint('review_id', 'party', name='uq_review_signoffs_review_party')
    )
    op.create_table('placement_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'accepted', 'declined', 'active', 'completed', 'ended_early', name='assignment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status NOT IN ('declined', 'ended_early') OR decision_reason IS NOT NULL", name=op.f('ck_placement_assignments_reason_given')),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_placement_assignments_end_after_start')),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_placement_assignments_apprentice_id_apprentices')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_placement_assignments_decided_by_id_users')),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_assignments_placement_id_placements')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_placement_assignments_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_assignments'))
    )
    with op.batch_alter_table('placement_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_placement_assignments_apprentice_status', ['apprentice_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_assignments_placement_id'), ['placement_id'], unique=False)

    op.create_table('placement_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], name=op.f('fk_placement_interests_apprentice_id_apprentices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_interests_placement_id_placements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_interests')),
    sa.UniqueConstraint('placement_id', 'apprentice_id', name='uq_placement_interests_pair')
    )
    with op.batch_alter_table('placement_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_interests_apprentice_id'), ['apprentice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_interests_placement_id'), ['placement_id'], unique=False)

    op.create_table('placement_standards',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_standards_placement_id_placements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['apprenticeship_standards.id'], name=op.f('fk_placement_standards_standard_id_apprenticeship_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('placement_id', 'standard_id', name=op.f('pk_placement_standards'))
    )
    


def downgrade():
    
    op.drop_table('placement_standards')
    with op.batch_alter_table('placement_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_interests_placement_id'))
        batch_op.drop_index(batch_op.f('ix_placement_interests_apprentice_id'))

    op.drop_table('placement_interests')
    with op.batch_alter_table('placement_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_assignments_placement_id'))
        batch_op.drop_index('ix_placement_assignments_apprentice_status')

    op.drop_table('placement_assignments')
    op.drop_table('review_signoffs')
    with op.batch_alter_table('review_reopenings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_reopenings_review_id'))

    op.drop_table('review_reopenings')
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_actions_review_id'))

    op.drop_table('review_actions')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placements_status'))
        batch_op.drop_index(batch_op.f('ix_placements_employer_id'))

    op.drop_table('placements')
    with op.batch_alter_table('log_entry_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_entry_revisions_entry_id'))

    op.drop_table('log_entry_revisions')
    op.drop_table('log_entry_ksbs')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_links_cohort_id'))

    op.drop_table('share_links')
    with op.batch_alter_table('progress_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_reviews_apprentice_scheduled')

    op.drop_table('progress_reviews')
    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_log_entries_status')
        batch_op.drop_index('ix_log_entries_apprentice_date')

    op.drop_table('log_entries')
    with op.batch_alter_table('employer_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_contacts_employer_id'))

    op.drop_table('employer_contacts')
    with op.batch_alter_table('employer_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_activities_employer_id'))

    op.drop_table('employer_activities')
    with op.batch_alter_table('breaks_in_learning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_breaks_in_learning_apprentice_id'))

    op.drop_table('breaks_in_learning')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_subject')
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('apprentice_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apprentice_status_changes_apprentice_id'))

    op.drop_table('apprentice_status_changes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_employer_id'))

    op.drop_table('users')
    with op.batch_alter_table('ksbs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ksbs_standard_id'))

    op.drop_table('ksbs')
    with op.batch_alter_table('apprentices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apprentices_standard_id'))
        batch_op.drop_index(batch_op.f('ix_apprentices_provider_id'))
        batch_op.drop_index(batch_op.f('ix_apprentices_mentor_id'))
        batch_op.drop_index('ix_apprentices_cohort_status')
        batch_op.drop_index(batch_op.f('ix_apprentices_cohort_id'))

    op.drop_table('apprentices')
    op.drop_table('training_providers')
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_client_address'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_account_key'))

    op.drop_table('sign_in_failures')
    op.drop_table('programme_settings')
    op.drop_table('mentors')
    with op.batch_alter_table('employer_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_partners_status'))
        batch_op.drop_index(batch_op.f('ix_employer_partners_sector'))

    op.drop_table('employer_partners')
    op.drop_table('cohorts')
    op.drop_table('apprenticeship_standards')
    
