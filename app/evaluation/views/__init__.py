"""The evaluation pages: ``manage`` (the trainers' windows, settings and results) and
``public`` (a participant's knowledge test and evaluations, through their personal link)."""
from flask import Blueprint

from . import manage, public

bp = Blueprint("evaluation", __name__)
for module in (manage, public):
    module.routes.register(bp)
