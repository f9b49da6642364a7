"""The one kind of error a service raises when a person asks for something the rules refuse.

Its message is written for the person ("This entry is already verified"). Views do not catch
it one by one: the app handles it once (rolls back, shows the message, goes back to where the
person was). Subclasses say which part of the programme refused.
"""

from __future__ import annotations


class ServiceError(ValueError):
    """An action the records' state or the programme's rules do not allow; the message is for the person."""


class StaleRecord(ServiceError):
    """Someone else changed (or acted on) the record since the person loaded it."""
