"""The localization toolkit: exercises defined as data, worksheets filled online, their PDFs.

Module strings (titles, help, labels, options, worked examples) are translated through their
own gettext domain, ``toolkit``, extracted from the module files by :mod:`.extract`.
"""
from flask import Blueprint

from ..i18n import TRANSLATIONS, LanguageDomain

bp = Blueprint("toolkit", __name__)


@bp.record_once
def load_modules(state) -> None:
    """Check the module files at start-up (problems are logged; valid modules still load)."""
    from .modules import modules

    with state.app.app_context():
        modules()
domain = LanguageDomain(str(TRANSLATIONS), domain="toolkit")


def translate(text: str) -> str:
    """A module string in the reader's language (English when not yet translated)."""
    return domain.gettext(text) if text else text


from . import cli, manage, models, views  # noqa: E402,F401 - views register their routes on bp
from . import documents  # noqa: E402,F401 - the PDFs and the public module library
