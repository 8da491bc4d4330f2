"""Registration's pages: ``public`` (registering, nominating, the personal page) and ``manage``
(the trainers' list, one registration, delegations, import and export)."""
from flask import Blueprint

from . import manage, public

bp = Blueprint("registrations", __name__)
for module in (public, manage):
    module.routes.register(bp)
