"""How far a worksheet has come, in words (pages, exports)."""
from ..i18n import _l

PROGRESS = {"empty": _l("Not started"), "draft": _l("Draft"), "submitted": _l("Submitted for review"),
            "returned": _l("Returned for revision"), "final": _l("Final")}


def progress_label(progress: str) -> str:
    return str(PROGRESS.get(progress, progress))
