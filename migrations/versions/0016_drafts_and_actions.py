"""Drafts with only a title, who marked an action done, and a notice when a review is reopened

- `placements.description`, `working_pattern`, `minutes_per_week`, `start_date` and `end_date`
  may now be empty (NULL) while a placement is a draft (or a draft withdrawn): an employer saves a
  draft with only its title. A CHECK (`ck_placements_complete_unless_draft`) keeps them given
  for every other status, so nothing unfinished is submitted, published or closed.
- `review_actions.completed_by_id`: who marked an agreed action done (a user, ON DELETE SET
  NULL); empty for actions marked done before this migration, and while an action is not done.
- `notifications.kind` may now be `review_reopened`: everyone who must sign a review again is
  told at once when a coordinator reopens it.

On SQLite a column's NOT NULL can be changed only by rebuilding its table, and `placements` is
referred to by placement_assignments, placement_interests, placement_standards and
notifications (some ON DELETE CASCADE): dropping it with foreign keys on would delete their
rows. So it is rebuilt as migration 0015 rebuilds tables (SQLite's lang_altertable.html, "other
kinds of table schema changes"): with foreign keys off, outside the migrations' transaction, in
one transaction of its own checked by PRAGMA foreign_key_check; its CREATE TABLE statement is
read from sqlite_master and changed only in the five columns' NOT NULL and the new CHECK.
`review_actions` is rebuilt the same way in the same transaction, for its foreign key's ON DELETE
SET NULL (a foreign key added with ALTER TABLE ... ADD COLUMN is stored, but SQLAlchemy reads
back its ON DELETE only from a table constraint). Each table keeps its AUTOINCREMENT, rows,
indexes and triggers. `notifications` is recreated in a batch to change its CHECK (nothing refers to it).

Downgrading deletes the reopening notices, forgets who marked actions done, and deletes the
drafts that are not complete (and their standards) before making the columns NOT NULL again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from sqlite_rebuild import foreign_keys_off, rebuild

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OLD_KINDS = ('entry_queried', 'query_answered', 'placement_proposed', 'proposal_accepted', 'proposal_declined',
             'placement_returned', 'share_link_expiring', 'review_due_soon', 'review_overdue', 'signature_waiting',
             'nothing_logged', 'hours_behind', 'proposal_withdrawn', 'review_to_sign', 'placement_published',
             'placement_submitted', 'retention_due')
NEW_KINDS = (*OLD_KINDS, 'review_reopened')

DRAFT_COLUMNS = {'description': 'TEXT', 'working_pattern': 'VARCHAR(32)', 'minutes_per_week': 'INTEGER',
                 'start_date': 'DATE', 'end_date': 'DATE'}
COMPLETE = ("status IN ('draft', 'withdrawn') OR (description IS NOT NULL AND working_pattern IS NOT NULL "
            "AND minutes_per_week IS NOT NULL AND start_date IS NOT NULL AND end_date IS NOT NULL)")
CHECK_NAME = 'ck_placements_complete_unless_draft'
INCOMPLETE = ' OR '.join(f'{column} IS NULL' for column in DRAFT_COLUMNS)


def _kinds(kinds) -> None:
    listed = ', '.join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notification_kind'), f'kind IN ({listed})')


def _sqlite_rebuild(upgrading: bool) -> None:
    """Rebuild `placements` (the five columns nullable and the CHECK, or as before) and
    `review_actions` (with `completed_by_id` and its foreign key, or without)."""
    with foreign_keys_off('0016') as cursor:
        rebuild(cursor, 'placements', _placements_drafts if upgrading else _placements_complete)
        rebuild(cursor, 'review_actions', _with_completed_by if upgrading else _without_completed_by)


def _swap(create: str, old: str, new: str) -> str:
    assert create.count(old) == 1, f'expected once in the table: {old!r}'
    return create.replace(old, new)


def _add_last(create: str, line: str) -> str:
    body, close = create.rstrip().rsplit('\n', 1)
    return f'{body.rstrip()}, \n\t{line}\n{close}'


def _remove_last(create: str, line: str) -> str:
    body, close = create.rstrip().rsplit('\n', 1)
    assert body.rstrip().endswith(f', \n\t{line}'), f'not the last line of the table: {line!r}'
    return f'{body.rstrip().removesuffix(f", {chr(10)}{chr(9)}{line}")}\n{close}'


CHECK_LINE = f'CONSTRAINT {CHECK_NAME} CHECK ({COMPLETE})'
FK_LINE = 'CONSTRAINT fk_review_actions_completed_by_id_users FOREIGN KEY(completed_by_id) REFERENCES users (id) ' \
          'ON DELETE SET NULL'


def _placements_drafts(create: str) -> str:
    for column, kind in DRAFT_COLUMNS.items():
        create = _swap(create, f'\t{column} {kind} NOT NULL,', f'\t{column} {kind},')
    return _add_last(create, CHECK_LINE)


def _placements_complete(create: str) -> str:
    for column, kind in DRAFT_COLUMNS.items():
        create = _swap(create, f'\t{column} {kind},', f'\t{column} {kind} NOT NULL,')
    return _remove_last(create, CHECK_LINE)


def _with_completed_by(create: str) -> str:
    create = _swap(create, '\tcompleted_on DATE, \n', '\tcompleted_on DATE, \n\tcompleted_by_id INTEGER, \n')
    return _add_last(create, FK_LINE)


def _without_completed_by(create: str) -> str:
    create = _swap(create, '\tcompleted_by_id INTEGER, \n', '')
    return _remove_last(create, FK_LINE)


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_rebuild(upgrading=True)
    else:
        for column in DRAFT_COLUMNS:
            op.alter_column('placements', column, nullable=True)
        op.create_check_constraint(op.f(CHECK_NAME), 'placements', COMPLETE)
        op.add_column('review_actions', sa.Column('completed_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_review_actions_completed_by_id_users'), 'review_actions', 'users',
                              ['completed_by_id'], ['id'], ondelete='SET NULL')
    _kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'review_reopened'")
    _kinds(OLD_KINDS)

    sqlite = op.get_bind().dialect.name == 'sqlite'
    # An unfinished draft cannot be kept once its columns must be given.
    for table in ('placement_standards', 'placement_interests', 'notifications'):
        op.execute(f'DELETE FROM {table} WHERE placement_id IN (SELECT id FROM placements WHERE {INCOMPLETE})')
    op.execute(f'DELETE FROM placements WHERE {INCOMPLETE}')
    if sqlite:
        _sqlite_rebuild(upgrading=False)
    else:
        op.drop_constraint(op.f('fk_review_actions_completed_by_id_users'), 'review_actions', type_='foreignkey')
        op.drop_column('review_actions', 'completed_by_id')
        op.drop_constraint(op.f(CHECK_NAME), 'placements', type_='check')
        for column in DRAFT_COLUMNS:
            op.alter_column('placements', column, nullable=False)
