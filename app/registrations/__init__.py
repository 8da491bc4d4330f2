"""Registration: participants by country and ministry, delegations, approval, waitlist."""
from . import manage  # noqa: F401 - registers the trainers' routes on bp
from .views import bp  # noqa: F401
