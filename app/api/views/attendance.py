"""Attendance per session: reading it, and recording a participant present or absent."""
from ...extensions import db
from .. import resources
from ..schemas import (ATTENDANCE_EXAMPLE, AttendanceInputSchema, AttendancePageSchema,
                       AttendanceSchema, PageArgsSchema)
from .common import LINK_HEADER, PREFIX, TOKEN, bp, paged, refusals

ATTENDANCE = PREFIX + "/courses/<slug>/sessions/<int:session_id>/attendance"


@bp.route(ATTENDANCE, tags=["Attendance"])
@bp.arguments(PageArgsSchema, location="query", error_status_code=400)
@bp.response(200, AttendancePageSchema, headers=LINK_HEADER)
@refusals(*TOKEN, 404)
def attendance(args, slug: str, session_id: int):
    """A session's attendance

    Every record of the session, by participant: present or absent, how and when it was marked.
    """
    session = resources.session_of(resources.managed_course(slug), session_id)
    return paged(resources.attendance_page(session, args["limit"], args.get("cursor")), args["limit"])


@bp.route(ATTENDANCE + "/<int:registration_id>", methods=["PUT"], tags=["Attendance"])
@bp.arguments(AttendanceInputSchema, example=ATTENDANCE_EXAMPLE)
@bp.response(200, AttendanceSchema)
@refusals(*TOKEN, 404, 409, 400, 415)
def mark(data, slug: str, session_id: int, registration_id: int):
    """Record attendance

    Mark an approved participant present or absent, as the trainers' check-in list does; the
    record keeps its history. A session that has not started needs `confirm_early` (409
    otherwise). Needs a write token.
    """
    course = resources.managed_course(slug)
    record = resources.mark(course, resources.session_of(course, session_id), registration_id, data)
    db.session.commit()
    return record
