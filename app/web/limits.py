"""Rate limits on public pages, per client address, with their values in the app's config.

A refused request raises Flask-Limiter's ``RateLimitExceeded`` (a 429), which
``app/core/errors.py`` answers with the translated "Too many requests" page.
"""
from flask import current_app

from ..extensions import limiter


def limited(setting: str, *, sent_forms_only: bool = True):
    """Decorate a view (below its route) with the limit named by the config ``setting``, e.g.
    ``"10 per minute;30 per hour"``, read on every request so that tests and operators can
    change it. ``sent_forms_only``: count POSTs only, so that opening the form stays free."""
    return limiter.limit(lambda: current_app.config[setting],
                         methods=["POST"] if sent_forms_only else None)
