"""The localization toolkit: exercises defined as data, worksheets filled online, their PDFs.

Module strings (titles, help, labels, options, worked examples) are translated through their
own gettext domain, ``toolkit`` (:mod:`.translation`). The pages are in :mod:`.views`.
"""
from .translation import domain, translate  # noqa: F401
