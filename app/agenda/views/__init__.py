"""The agenda's pages: ``public`` (agenda, its PDF and calendar, QR check-in), ``manage`` (the
trainers' agenda builder, sign-in sheet PDF), ``speakers`` (one or many) and ``attendance``
(taking it)."""
from flask import Blueprint

from . import attendance, manage, public, speakers

bp = Blueprint("agenda", __name__)
for module in (public, manage, speakers, attendance):
    module.routes.register(bp)
