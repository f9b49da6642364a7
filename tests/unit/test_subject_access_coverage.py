"""The subject access export covers every table that refers to a person.

A table refers to a person when one of its foreign keys points to `apprentices` or `users`, or
to a table that does (log_entry_revisions -> log_entries -> apprentices). Each such table must be
exported (services.subject_access.EXPORTED) or left out for a reason written beside it (LEFT_OUT):
a new table that refers to people fails here until someone decides which.
"""

from __future__ import annotations

import sqlalchemy as sa

import apprenticeships.models  # noqa: F401  (every table registered on the metadata)
from apprenticeships.extensions import db
from apprenticeships.services import subject_access

PEOPLE = ("apprentices", "users")


def chains_to_people(metadata: sa.MetaData) -> dict[str, list[str]]:
    """Each table that refers to apprentices or users, directly or through other tables, with one
    chain of foreign keys that shows it (the people tables themselves included)."""
    chains = {name: [name] for name in PEOPLE if name in metadata.tables}
    found_more = True
    while found_more:
        found_more = False
        for table in metadata.tables.values():
            if table.name in chains:
                continue
            for key in sorted(table.foreign_keys, key=lambda k: k.target_fullname):
                if key.column.table.name in chains:
                    chains[table.name] = [table.name, *chains[key.column.table.name]]
                    found_more = True
                    break
    return chains


def test_every_table_that_refers_to_a_person_is_exported_or_left_out_for_a_reason():
    covered = set(subject_access.EXPORTED) | set(subject_access.LEFT_OUT)
    missing = {name: " -> ".join(chain) for name, chain in chains_to_people(db.metadata).items()
               if name not in covered}
    assert not missing, (
        "Tables that refer to a person but are neither in subject_access.EXPORTED nor in LEFT_OUT "
        f"(add each to the export, or to LEFT_OUT with the reason): {missing}")


def test_the_walk_follows_chains_of_foreign_keys():
    chains = chains_to_people(db.metadata)
    assert chains["log_entry_revisions"] == ["log_entry_revisions", "log_entries", "apprentices"]
    assert chains["review_signoffs"][-1] in PEOPLE and chains["log_entry_ksbs"][-1] in PEOPLE
    assert "cohorts" not in chains and "ksbs" not in chains  # they point to no one

    toy = sa.MetaData()
    sa.Table("apprentices", toy, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("users", toy, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("diaries", toy, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("apprentice_id", sa.ForeignKey("apprentices.id")))
    sa.Table("diary_pages", toy, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("diary_id", sa.ForeignKey("diaries.id")))
    sa.Table("page_stickers", toy, sa.Column("page_id", sa.ForeignKey("diary_pages.id")))
    sa.Table("colours", toy, sa.Column("id", sa.Integer, primary_key=True))
    assert chains_to_people(toy)["page_stickers"] == ["page_stickers", "diary_pages", "diaries", "apprentices"]
    assert "colours" not in chains_to_people(toy)


def test_the_lists_name_real_tables_once_each_with_a_reason():
    tables = db.metadata.tables
    assert not set(subject_access.EXPORTED) & set(subject_access.LEFT_OUT)
    for name, words in {**subject_access.EXPORTED, **subject_access.LEFT_OUT}.items():
        assert name in tables, f"{name} is listed but is not a table"
        assert len(words) > 20, f"{name}: say what it holds, or why it is left out"
    # A table left out holds nothing about the apprentice: one with an apprentice_id of its own is exported.
    for name in subject_access.LEFT_OUT:
        assert "apprentice_id" not in tables[name].c, name
    # People are held by other means than a foreign key too: the email typed at a failed sign-in
    # (as a keyed hash), and the address an email went to.
    assert {"sign_in_failures", "outbox_messages", "mentors"} <= set(subject_access.EXPORTED)


def test_what_is_withheld_names_real_columns_of_exported_tables_each_with_a_reason():
    for table, columns in subject_access.WITHHELD.items():
        assert table in subject_access.EXPORTED
        for column, (what, why) in columns.items():
            assert column in db.metadata.tables[table].c, f"{table}.{column}"
            assert what and len(why) > 20
    # Every secret the users table keeps for signing in is withheld.
    assert {"password_hash", "totp_secret", "invite_token_hash", "calendar_token_hash"} <= set(
        subject_access.WITHHELD["users"])
    for table in ("recovery_codes", "user_sessions", "password_resets"):
        hashes = {c.name for c in db.metadata.tables[table].c if c.name.endswith("hash")}
        assert hashes and hashes <= set(subject_access.WITHHELD[table])
