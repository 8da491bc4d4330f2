"""The agenda and attendance."""
from . import attendance, calendar, documents, models  # noqa: F401 - attendance registers its routes on bp
from .views import bp  # noqa: F401
