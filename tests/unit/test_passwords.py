"""The password policy and how passwords are stored."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apprenticeships.services.passwords import hash_password, password_matches, password_problem


@pytest.mark.parametrize("password", ["a1!Bc9x", "short-pass1"])
def test_fewer_than_12_characters_is_refused(password):
    assert password_problem(password) == "Password must be 12 characters or more"


def test_more_than_128_characters_is_refused():
    assert password_problem("x7Qk" * 33) == "Password must be 128 characters or fewer"


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop123", "1q2w3e4r5t6y", "aaaaaaaaaaaaaaaa",
                                      "123456789012"])
def test_common_passwords_are_refused(password):
    problem = password_problem(password)
    assert problem is not None and ("common" in problem or "easy to guess" in problem)


def test_a_password_built_from_the_persons_own_email_is_refused():
    problem = password_problem("jordan.ellis2026", personal=("jordan.ellis2026@example.org", "Jordan Ellis"))
    assert problem is not None


@pytest.mark.parametrize("password", ["correct horse battery staple", "demo-password-2026",
                                      "Tangerine-Kettle-Orbit-42"])
def test_long_uncommon_passwords_are_accepted(password):
    assert password_problem(password) is None


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_any_password_gets_an_answer_and_accepted_ones_are_in_bounds(password):
    if password_problem(password) is None:
        assert 12 <= len(password) <= 128


def test_passwords_are_stored_hashed_and_checked():
    stored = hash_password("Tangerine-Kettle-Orbit-42")
    assert "Tangerine" not in stored
    assert stored.startswith("scrypt:")
    assert password_matches(stored, "Tangerine-Kettle-Orbit-42")
    assert not password_matches(stored, "tangerine-kettle-orbit-42")
    assert not password_matches(None, "anything at all")


def test_the_apps_configuration_hashes_with_scrypt_and_tests_choose_a_cheaper_method(empty_app):
    """Production hashes with scrypt (Config, not read from the environment); the tests' app hashes
    as its PASSWORD_HASH_METHOD says, and a sign-in with an unknown email checks against a hash made
    the same way, so it costs what a wrong password does."""
    from apprenticeships.config import Config
    from apprenticeships.services.passwords import _dummy_hash

    assert Config().PASSWORD_HASH_METHOD == "scrypt"
    method = empty_app.config["PASSWORD_HASH_METHOD"]
    assert method == "pbkdf2:sha256:1000"
    stored = hash_password("Tangerine-Kettle-Orbit-42")
    assert stored.startswith(method + "$")
    assert password_matches(stored, "Tangerine-Kettle-Orbit-42")
    assert not password_matches(stored, "Tangerine-Kettle-Orbit-43")
    assert _dummy_hash(method).startswith(method + "$")
    assert not password_matches(None, "Tangerine-Kettle-Orbit-42")
    empty_app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    assert hash_password("Tangerine-Kettle-Orbit-42").startswith("scrypt:32768:8:1$")
