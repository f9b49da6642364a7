"""Two-factor sign-in: authenticator secrets and hashed recovery codes

- `users.totp_secret`: the secret shared with a person's authenticator app, kept from set-up
  (it must be read to check a code, so it cannot be a hash).
- `users.two_factor_on_at`: when the person confirmed a code and two-factor sign-in came on;
  empty while it is off (a secret with no time is a set-up not yet confirmed).
- `users.totp_last_step`: the 30-second time step of the last code accepted, so a code (or an
  older one) is never accepted twice.
- `users.two_factor_exempt`: demo accounts, which everyone trying the demo shares: never asked
  to set it up, and cannot turn it on. False for every existing account.
- `recovery_codes`: ten single-use codes per person, as SHA-256 hashes only; `used_at` is set
  once, when a code is spent. Rows go with their user (ON DELETE CASCADE).

On SQLite the columns are added in place (ALTER TABLE ... ADD COLUMN): recreating `users` in a
batch would drop a table that sessions, reset links and more refer to, deleting their rows
through ON DELETE CASCADE. They are dropped in place too (SQLite 3.35+).

Downgrading forgets every authenticator and recovery code: two-factor sign-in is off for
everyone, and signing in asks for the password only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Outside a batch: SQLite adds each column in place. (A batch would rebuild `users`, because of
    # the server default, and rebuilding a table others refer to fails with foreign keys on.)
    op.add_column('users', sa.Column('totp_secret', sa.String(length=32), nullable=True))
    op.add_column('users', sa.Column('two_factor_on_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.add_column('users', sa.Column('two_factor_exempt', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    # Outside a batch, so SQLite drops each column in place and `users` is never recreated.
    for column in ('two_factor_exempt', 'totp_last_step', 'two_factor_on_at', 'totp_secret'):
        op.drop_column('users', column)
