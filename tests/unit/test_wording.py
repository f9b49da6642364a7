"""Words the app puts together itself read as a person would write them."""

from __future__ import annotations

import pytest

from apprenticeships.models import ApprenticeStatus
from apprenticeships.templating import with_article


@pytest.mark.parametrize("status,words", [(ApprenticeStatus.ACTIVE, "active"),
                                          (ApprenticeStatus.BREAK_IN_LEARNING, "on a break in learning"),
                                          (ApprenticeStatus.WITHDRAWN, "withdrawn")])
def test_a_status_in_a_sentence(status, words):
    assert f"Jordan is {status.in_a_sentence}" == f"Jordan is {words}"


@pytest.mark.parametrize("noun,phrase", [("apprentice", "an apprentice"), ("mentor", "a mentor"),
                                         ("employer partner", "an employer partner"),
                                         ("Software developer", "a Software developer")])
def test_with_article(noun, phrase):
    assert with_article(noun) == phrase
