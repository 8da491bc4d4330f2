"""Names of the questionnaires and of the scale's points, in the reader's language."""
import re

from ..i18n import _

DAY = re.compile(r"day-([1-9][0-9]?)")
SCALE = range(1, 6)


def scale_label(point: int) -> str:
    """1 strongly disagree … 5 strongly agree."""
    return {1: _("Strongly disagree"), 2: _("Disagree"), 3: _("Neither agree nor disagree"),
            4: _("Agree"), 5: _("Strongly agree")}.get(int(point), str(point))


def window_label(name: str) -> str:
    """``pre``, ``post``, ``day-<n>`` or ``course`` as a reader names it."""
    if name == "pre":
        return _("Knowledge test before the course (pre-test)")
    if name == "post":
        return _("Knowledge test after the course (post-test)")
    if name == "course":
        return _("End-of-course evaluation")
    found = DAY.fullmatch(name or "")
    return _("Evaluation of day %(number)d", number=int(found.group(1))) if found else name
