"""The answers of a course's worksheets."""
from .. import resources
from ..schemas import WorksheetArgsSchema, WorksheetPageSchema, WorksheetSchema
from .common import LINK_HEADER, PREFIX, TOKEN, bp, paged, refusals

WORKSHEETS = PREFIX + "/courses/<slug>/worksheets"


@bp.route(WORKSHEETS, tags=["Worksheets"])
@bp.arguments(WorksheetArgsSchema, location="query", error_status_code=400)
@bp.response(200, WorksheetPageSchema, headers=LINK_HEADER)
@refusals(*TOKEN, 404)
def worksheets(args, slug: str):
    """Worksheets

    The course's worksheets, by id: the exercise, whose sheet it is (a participant, a country
    team or a working group), the answers by field, the version and status.
    """
    course = resources.managed_course(slug)
    return paged(resources.worksheets(course, args.get("exercise"), args["limit"], args.get("cursor")),
                 args["limit"])


@bp.route(WORKSHEETS + "/<int:sheet_id>", tags=["Worksheets"])
@bp.response(200, WorksheetSchema)
@refusals(*TOKEN, 404)
def worksheet(slug: str, sheet_id: int):
    """One worksheet"""
    return resources.worksheet_of(resources.managed_course(slug), sheet_id)
