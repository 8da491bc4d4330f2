"""The home page, error pages and health check."""
from .errors import configure_errors  # noqa: F401
