"""Text that does not fit its box shrinks: certificates are laid out, measured and laid out again.

A layout marks the boxes whose text must fit with ``data-fit="<region>"`` and the class
``fit-{{ c.fit[region] }}``; its stylesheet makes each level smaller (theme.css: ``.fit-1``
… ``.fit-4``). After layout, a region whose lines run past the bottom (or sides) of its box
overflows; those certificates are laid out again with that region one level smaller, until
everything fits or the smallest level is reached. Regions never move: each has its own fixed
or maximum height, so no text can run into its neighbour's. CSS cannot do this alone (there
is no "shrink to fit" for text), and a length-based guess is wrong for half the scripts.
"""
from collections.abc import Callable, Mapping

from weasyprint.formatting_structure import boxes

MAX_LEVEL = 4
_SLACK = 0.01  # px: rounding in the layout, never a visible overflow


class Fit(Mapping):
    """A certificate's shrink level per region (0, as designed, unless it had to shrink)."""

    def __init__(self):
        self._levels: dict[str, int] = {}

    def __getitem__(self, region: str) -> int:
        return self._levels.get(region, 0)

    def __iter__(self):
        return iter(self._levels)

    def __len__(self) -> int:
        return len(self._levels)

    def shrink(self, regions) -> bool:
        """One level smaller for each of ``regions`` that can still shrink; False if none could."""
        changed = False
        for region in regions:
            if self[region] < MAX_LEVEL:
                self._levels[region] = self[region] + 1
                changed = True
        return changed


def overflowing(page) -> set[str]:
    """The regions of a laid-out ``page`` whose text does not fit inside their box."""
    found: set[str] = set()

    def walk(box) -> None:
        element = getattr(box, "element", None)
        region = element.get("data-fit") if element is not None else None
        if region and isinstance(box, boxes.BlockContainerBox):
            if _overflows(box):
                found.add(region)
            return
        for child in getattr(box, "children", ()):
            walk(child)

    walk(page._page_box)
    return found


def _overflows(region) -> bool:
    top, left = region.content_box_y(), region.content_box_x()
    bottom, right = top + region.height, left + region.width
    for box in region.descendants():
        if isinstance(box, boxes.LineBox) and box.position_y + box.height > bottom + _SLACK:
            return True
        if isinstance(box, boxes.TextBox) and (box.position_x < left - 0.5
                                               or box.position_x + box.width > right + 0.5):
            return True
    return False


def fit_pages(render: Callable[[list[dict]], object], contexts: list[dict]):
    """Lay out ``contexts`` (one page each) with ``render``, shrinking what overflows; return
    (document, page) per context, or None when the first layout is not one page each."""
    document = render(contexts)
    if len(document.pages) != len(contexts):
        return None
    placed = [(document, page) for page in document.pages]
    pending = list(range(len(contexts)))
    for _ in range(MAX_LEVEL):
        pending = [i for i in pending if contexts[i]["fit"].shrink(overflowing(placed[i][1]))]
        if not pending:
            break
        again = render([contexts[i] for i in pending])
        if len(again.pages) != len(pending):
            break
        for i, page in zip(pending, again.pages):
            placed[i] = (again, page)
    return placed
