"""Courses the token's owner manages, their agenda, and their donor report."""
from flask import jsonify

from .. import resources
from ..schemas import (CoursePageSchema, CourseSchema, PageArgsSchema, ReportSchema,
                       SessionPageSchema)
from .common import LINK_HEADER, PREFIX, TOKEN, bp, paged, refusals


@bp.route(PREFIX + "/courses", tags=["Courses"])
@bp.arguments(PageArgsSchema, location="query", error_status_code=400)
@bp.response(200, CoursePageSchema, headers=LINK_HEADER)
@refusals(*TOKEN)
def courses(args):
    """Courses

    The courses the token's owner manages: a trainer's team's, every course for an admin.
    """
    return paged(resources.courses(args["limit"], args.get("cursor")), args["limit"])


@bp.route(PREFIX + "/courses/<slug>", tags=["Courses"])
@bp.response(200, CourseSchema)
@refusals(*TOKEN, 404)
def course(slug: str):
    """One course"""
    return resources.managed_course(slug)


@bp.route(PREFIX + "/courses/<slug>/sessions", tags=["Courses"])
@bp.arguments(PageArgsSchema, location="query", error_status_code=400)
@bp.response(200, SessionPageSchema, headers=LINK_HEADER)
@refusals(*TOKEN, 404)
def sessions(args, slug: str):
    """The course's agenda

    Its sessions in time order, with the people who lead them.
    """
    course = resources.managed_course(slug)
    return paged(resources.sessions(course, args["limit"], args.get("cursor")), args["limit"])


@bp.route(PREFIX + "/courses/<slug>/report", tags=["Reports"])
@bp.response(200, ReportSchema)
@refusals(*TOKEN, 404)
def report(slug: str):
    """The course's donor report

    Its figures, as `flask --app app report <slug> --format json` writes them; course titles in
    the request's language.
    """
    return jsonify(resources.report(resources.managed_course(slug)))
