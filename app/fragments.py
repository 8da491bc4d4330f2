"""Parts of pages kept rendered in this process, under a key of everything they show.

The key is made like a document's (:mod:`app.pdf.cache`): the app's version, the reader's
language and what else the part depends on, and the database rows it is made from, read in one
query. Any change to any of them gives another key, so nothing is invalidated and nothing is
served stale; the least recently used parts go once they add up to :data:`MAX_CHARACTERS`.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from markupsafe import Markup

MAX_CHARACTERS = 8_000_000  # each process: a 200-person course's agendas, in two languages

_kept: OrderedDict[str, Markup] = OrderedDict()
_size = [0]
_lock = threading.Lock()


def fragment(key: str, make: Callable[[], str]) -> Markup:
    """The part of key ``key``: kept, or ``make()`` (HTML) and kept."""
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    made = Markup(make())
    with _lock:
        if key not in _kept:
            _kept[key] = made
            _size[0] += len(made)
        while _size[0] > MAX_CHARACTERS and len(_kept) > 1:
            _size[0] -= len(_kept.popitem(last=False)[1])
    return made
