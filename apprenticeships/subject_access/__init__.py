"""Subject access: download everything held about an apprentice as one ZIP (services/subject_access.py).

A coordinator downloads it from the apprentice's record, and an apprentice their own copy from
their home page. Each download is audited.
"""

from flask import Blueprint

bp = Blueprint("subject_access", __name__)

from . import views  # noqa: E402,F401
