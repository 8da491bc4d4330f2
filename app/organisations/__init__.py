"""Organisations: organisers, donors and hosts, with logos."""
from .views import bp  # noqa: F401
