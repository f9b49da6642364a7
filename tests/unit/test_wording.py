"""Words the app puts together itself read as a person would write them."""

from __future__ import annotations

import re
from pathlib import Path

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


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# What is not text a person reads: Jinja comments, a <style> or <script>, Jinja's own tags and
# expressions (their quoted strings are checked on their own), and HTML tags with their attributes.
_NOT_TEXT = re.compile(r"\{#.*?#\}|<style.*?</style>|<script.*?</script>", re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_TAG = re.compile(r"<[^>]*>", re.S)
_STRING = re.compile(r'"([^"]*)"')
_STRAIGHT = re.compile(r"\w'(?:\w|\s)")  # "Ruby's", "apprentices' records": never a quote in code
# Still straight, in text that other tests quote as it is: to change with those tests (none now).
_NOT_YET: set[tuple[str, str]] = set()


def _straight_apostrophes(source: str, name: str) -> list[str]:
    source = _NOT_TEXT.sub(" ", source)
    pieces = [text for code in _JINJA.findall(source) for text in _STRING.findall(code)]
    pieces += _TAG.sub(" ", _JINJA.sub(" ", source)).splitlines()
    return [piece.strip() for piece in pieces if _STRAIGHT.search(piece)
            and not any(name == known and words in piece for known, words in _NOT_YET)]


def test_the_templates_text_has_curly_apostrophes():
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if lines := _straight_apostrophes(path.read_text(encoding="utf-8"), name):
            found[name] = lines
    assert found == {}


def test_the_check_finds_a_straight_apostrophe_in_text_and_in_a_string_but_not_in_code():
    source = ("<p class='x'>{{ 'a' if x }}Ruby's mentor{# Ruby's #}</p>\n"
              '{{ govukInsetText({"text": "the apprentices\' records"}) }}<style>/* a row\'s cells */</style>')
    assert _straight_apostrophes(source, "page.html") == ["the apprentices' records", "Ruby's mentor"]
    assert _straight_apostrophes(source.replace("'s", "’s").replace("s'", "s’"), "page.html") == []
