"""The levy (issue 17): the council's levy accounts, their ledger, funds by age and the expiry
forecast, what its own apprentices cost (views.py); transfers to local employers beside them."""

from flask import Blueprint

bp = Blueprint("levy", __name__, url_prefix="/levy")

# The ledger, the forecast, funding bands and apprentices' funding (views); pledges, applications,
# transfer apprentices and outcomes (transfers).
from . import transfers, views  # noqa: E402,F401
