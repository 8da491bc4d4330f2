"""Staff sign-in and sign-out, and who may do what."""
from .views import bp  # noqa: F401
