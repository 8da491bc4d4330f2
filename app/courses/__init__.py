"""Courses: public pages and the staff pages that set them up."""
from .views import bp  # noqa: F401
