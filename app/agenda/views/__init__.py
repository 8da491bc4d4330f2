"""The agenda's pages: ``public`` (agenda, its PDF and calendar, QR check-in), ``manage`` (the
trainers' agenda builder, speakers, sign-in sheet PDF) and ``attendance`` (taking it)."""
from flask import Blueprint

from . import attendance, manage, public

bp = Blueprint("agenda", __name__)
for module in (public, manage, attendance):
    module.routes.register(bp)
