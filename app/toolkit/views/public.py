"""The toolkit's public pages: the module library, a module's page and blank handout, and a
participant's own worksheet PDFs."""
from flask import abort, render_template, request

from ...registrations.models import Delegation
from ...web.files import asked_since, preparing_response, stored_pdf_response
from ...web.loaders import get_course
from ...web.routes import Routes
from .. import documents, figures, forms, operations
from ..examples import stored_answers
from ..fields import Context
from ..modules import get, modules
from ..translation import translate
from .common import exercise_of, participant

routes = Routes()


def _pdf(path, *names: str, private: bool = True):
    return stored_pdf_response(path, "-".join(names) + ".pdf", private=private)


@routes.route("/toolkit/")
def library():
    """The public list of the toolkit's modules."""
    return render_template("toolkit/library.html", modules=modules().values(), translate=translate)


@routes.route("/toolkit/<key>")
def module_page(key: str):
    """A module's purpose, help, fields and worked example, with its blank handout."""
    module = get(key) or abort(404)
    example = module.example or {}
    answers = stored_answers(module, example.get("answers") or {})
    ctx = Context(country=example.get("country", ""), answers=answers, translate=translate)
    answers = forms.computed(module, answers, ctx)
    ctx.answers = answers
    replaced = getattr(figures.FIGURES.get(module.figure), "replaces", ())
    return render_template("toolkit/module.html", module=module, translate=translate, type_label=documents.type_label,
                           country=example.get("country", ""), figure=figures.draw(module, answers, ctx),
                           parts=documents.present(module, answers, ctx, skip=replaced) if answers else [])


@routes.route("/toolkit/<key>/blank.pdf", endpoint="blank_pdf")
def blank_pdf_view(key: str):
    """The module's blank handout; ``?course=<slug>`` prints that course in the header."""
    module = get(key) or abort(404)
    slug = request.args.get("course")
    course = get_course(slug) if slug else None
    return _pdf(documents.blank_file(module, course), module.key, "blank", private=False)


@routes.route("/p/<token>/worksheets/<key>.pdf")
def my_sheet_pdf(token: str, key: str):
    """The participant's own or team's sheet."""
    registration = participant(token)
    exercise = exercise_of(registration, key)
    sheet = operations.find_sheet(exercise, registration)
    owner = registration if exercise.mode != "team" else \
        operations.team_owner(registration.course, registration)
    if owner is None and operations.grouped(registration.course):
        abort(404)  # in no working group: no team sheet
    owner = owner or Delegation(course_id=registration.course_id, country=registration.country)  # not stored
    return _pdf(documents.sheet_file(exercise, sheet, owner, registration.certificate_language),
                key, registration.country)


@routes.route("/p/<token>/worksheets/pack.pdf")
def my_pack_pdf(token: str):
    """The team's sheets and the participant's own, in one PDF."""
    registration = participant(token)
    since = asked_since()
    path = documents.pack_file(registration.course, registration.country, only=registration,
                               since=since)
    if path is None:
        return preparing_response(since)
    return _pdf(path, registration.course.slug, registration.country)
