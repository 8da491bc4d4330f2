"""Monitoring reports: the course dashboard, the donor report (XLSX, PDF, JSON, the ``report``
command) and the programme report across courses.

:mod:`.figures` counts (a fixed number of SQL statements whatever the number of courses and
people), :mod:`.tables` turns the counts into the tables every output shows, applying the
small-cell rule in one place (:func:`.tables.share`), :mod:`.charts` draws them with pygal,
:mod:`.documents` writes them as XLSX, PDF and JSON.
"""
