"""The toolkit's pages: ``public`` (the module library, handouts, a participant's PDFs),
``worksheets`` (a participant filling sheets) and ``manage`` (the trainers' exercises, review,
export and PDFs)."""
from flask import Blueprint

from . import manage, public, worksheets

bp = Blueprint("toolkit", __name__)
for module in (public, worksheets, manage):
    module.routes.register(bp)


@bp.record_once
def load_modules(state) -> None:
    """Check the module files at start-up (problems are logged; valid modules still load)."""
    from ..modules import modules

    with state.app.app_context():
        modules()
