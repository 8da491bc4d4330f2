"""Participants' pages: their worksheets, filled online with autosave."""
from . import bp  # noqa: F401
