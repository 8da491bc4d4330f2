"""Bilingual certificates: issued, verified, revoked, issued in bulk."""
from . import models  # noqa: F401
from .views import bp  # noqa: F401
