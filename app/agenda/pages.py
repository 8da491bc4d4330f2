"""The agenda as a participant's page shows it, kept rendered (:mod:`app.fragments`): most
of that page's work, the same on every visit until the agenda, the course's exercises, the
reader's language or the participant's access to meeting links changes."""
from functools import lru_cache

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from ..courses.dates import venue_zone
from ..courses.models import Course
from ..i18n import current_language
from ..pdf import cache
from ..registrations.models import Registration
from ..toolkit.models import Exercise
from ..fragments import fragment
from . import online
from .documents import COURSE
from .models import AgendaSession, SessionLead, Speaker
from .operations import days


@lru_cache(maxsize=None)
def _content():
    """What the agenda's part shows (one query, the course's id as ``course_id``): the course
    (its time zone, working language, mode), its sessions, who leads them, those speakers, and
    the course's exercises (the sessions' worksheet links)."""
    sessions = sa.select(AgendaSession.id).where(AgendaSession.course_id == COURSE)
    return sa.union_all(cache.rows("course", Course, Course.id == COURSE),
                        cache.rows("session", AgendaSession, AgendaSession.course_id == COURSE),
                        cache.rows("lead", SessionLead, SessionLead.session_id.in_(sessions)),
                        cache.rows("speaker", Speaker, Speaker.course_id == COURSE),
                        cache.rows("exercise", Exercise, Exercise.course_id == COURSE))


def personal_agenda(registration: Registration) -> Markup:
    """``agenda/_days.html`` for ``registration`` (their exercise and join links in it), or
    nothing while the course has no sessions."""
    course = registration.course
    sees_links = online.sees_links(registration)
    key = cache.key("agenda-days", current_language(), registration.token, registration.status,
                    sees_links, cache.content(_content(), course_id=course.id))

    def make() -> str:
        shown = days(course, shown=True)
        if not shown:
            return ""
        return render_template("agenda/_days.html", course=course, days=shown,
                               zone=venue_zone(course), registration=registration,
                               meeting_links=online.join_links(registration))

    return fragment(key, make)
