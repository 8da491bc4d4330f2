"""The home page, error pages and health check."""
from .errors import configure_errors  # noqa: F401
from .views import bp  # noqa: F401
