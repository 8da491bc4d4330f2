"""Staff accounts: admins manage them, everyone manages their own."""
from .views import bp  # noqa: F401
