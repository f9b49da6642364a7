"""The password policy: long enough, not common, and stored only as a hash."""

from __future__ import annotations

import re
from functools import lru_cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128
# How new passwords are hashed: werkzeug's scrypt at its default cost, the app's PASSWORD_HASH_METHOD
# (config.py: always this in production; the tests choose a cheap one, as they hash and check
# passwords hundreds of times).
DEFAULT_HASH_METHOD = "scrypt"


def _hash_method() -> str:
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_HASH_METHOD
    return DEFAULT_HASH_METHOD


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A real hash of a random string, made with the method new passwords get: checked against when
    no account matches, so a wrong email takes as long to refuse as a wrong password."""
    return generate_password_hash("no-account-has-this-password-9f3a", method=method)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # The 30,000 most common passwords from leaked sets, as shipped with zxcvbn. zxcvbn (some 12 MB)
    # is imported only when a password is chosen, not in every process that checks one.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """What is wrong with a new password, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return "Password is too common. Choose a password that is harder to guess"
    # zxcvbn spots keyboard walks, repeats, dates and dictionary words with digits on the end.
    # Only the first 72 characters are scored: zxcvbn refuses more (its cost grows fast with length).
    from zxcvbn import zxcvbn

    if zxcvbn(password[:72], user_inputs=_personal_words(personal))["score"] < 2:
        return "Password is too easy to guess. Try a few unrelated words together"
    return None


def _personal_words(personal: tuple[str, ...]) -> list[str]:
    """Words from the person's name and email, so "jordan.ellis2026" counts as guessable."""
    words: set[str] = set()
    for value in personal:
        value = (value or "").lower()
        local = value.split("@")[0]
        words.update({value, local, *re.split(r"[^a-z0-9]+", value)})
    return [w for w in words if len(w) >= 3]


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


def password_matches(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        check_password_hash(_dummy_hash(_hash_method()), password)
        return False
    return check_password_hash(password_hash, password)
