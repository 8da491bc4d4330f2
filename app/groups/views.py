"""The trainers' working groups page: who fills team worksheets, groups made by a rule, by hand
(a select list per participant, or dragging with app/static/js/groups.js, which fills the same
form) or from a CSV file."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..forms import protect, render_form
from ..i18n import _
from ..registrations.models import WorkingGroup
from ..registrations.tables import uploaded_rows
from ..web.loaders import get_managed_course, get_of_course
from ..web.routes import Routes
from . import exchange, operations, rules
from .forms import RULE_LABELS, GenerateForm, GroupingForm, ImportForm, NameForm

bp = Blueprint("groups", __name__)
routes = Routes()


class Invalid(operations.GroupRefused):
    """A form of the page with fields to correct (they are marked when it is shown again)."""


def valid(form):
    if not form.validate():
        raise Invalid(_("Please correct the marked fields."))
    return form


def posted_group(course, posted) -> WorkingGroup:
    number = posted.get("group", "")
    if not number.isdigit() or len(number) > 9:  # beyond any id (PostgreSQL's integer)
        abort(404)
    return get_of_course(WorkingGroup, int(number), course)


def choose_grouping(course, posted) -> str:
    operations.set_grouping(course, valid(GroupingForm(formdata=posted)).grouping.data)
    return _("Saved.")


def make_groups(course, posted) -> str:
    form = valid(GenerateForm(formdata=posted))
    made = rules.generate(course, form.by.data, groups=form.groups.data, size=form.size.data,
                          seed=form.seed.data, confirmed=form.confirm.data)
    return ngettext("%(num)d group made.", "%(num)d groups made.", len(made))


def add_group(course, posted) -> str:
    group = operations.add_group(course, valid(NameForm(formdata=posted, prefix="new-")).name.data)
    return _("The group “%(name)s” is added.", name=group.name)


def rename_group(course, posted) -> str:
    group = posted_group(course, posted)
    operations.rename(group, posted.get("name", ""))
    return _("The group is renamed “%(name)s”.", name=group.name)


def delete_group(course, posted) -> str:
    group = posted_group(course, posted)
    name = group.name
    operations.delete_group(group)
    return _("The group “%(name)s” is deleted; its members are in no group now.", name=name)


def move_members(course, posted) -> str:
    chosen = {}
    for key, value in posted.items():
        found = re.fullmatch(r"group-(\d+)", key)
        if found and value and not value.isdigit():
            abort(400)
        if found:
            chosen[int(found.group(1))] = int(value) if value else None
    moved = operations.assign(course, chosen)
    return ngettext("%(num)d participant moved.", "%(num)d participants moved.", moved)


ACTIONS = {"grouping": choose_grouping, "generate": make_groups, "add": add_group,
           "rename": rename_group, "delete": delete_group, "assign": move_members}
ANCHORS = {"grouping": "grouping", "generate": "generate", "add": "names", "rename": "names",
           "delete": "names", "assign": "board"}


@routes.route("/manage/courses/<slug>/groups/", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """The page, and each of its forms (``action``): refused changes show the page again with
    what was typed and why."""
    course = get_managed_course(slug)
    if request.method != "POST":
        return page(course)
    protect()
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    try:
        message = ACTIONS[action](course, request.form)
    except operations.GroupRefused as refused:
        db.session.rollback()
        return page(course, action=action, problem=str(refused), status=400)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".manage", slug=slug) + "#" + ANCHORS[action])


def page(course, action: str = "", problem: str = "", status: int = 200):
    posted = request.form if action else MultiDict()
    rule = course.group_rule or {}
    forms = {"grouping": GroupingForm(formdata=None, data={"grouping": course.grouping}),
             "generate": GenerateForm(formdata=None, data={"by": rule.get("by", "mixed"),
                                                           "groups": rule.get("groups"),
                                                           "size": rule.get("size")}),
             "add": NameForm(formdata=None, prefix="new-")}
    if action in forms:  # shown as sent, its problems marked
        forms[action] = type(forms[action])(formdata=posted, prefix=forms[action]._prefix)
        forms[action].validate()
    board = operations.board(course)
    return render_template(
        "groups/manage.html", course=course, board=board, action=action, problem=problem,
        posted=posted, rule_text=rule_text(rule), grouping_form=forms["grouping"],
        generate_form=forms["generate"], add_form=forms["add"],
        groups=[column.group for column in board if column.group is not None],
        placed=sum(len(column.members) for column in board if column.group is not None),
        unplaced=len(board[0].members)), status


def rule_text(rule: dict) -> str:
    """How the groups were last made, in words ("" when never)."""
    label = str(RULE_LABELS.get(rule.get("by"), ""))
    if rule.get("by") == "random":
        return _("%(rule)s: at most %(size)d per group, draw number %(seed)d", rule=label,
                 size=rule.get("size", 0), seed=rule.get("seed", 0))
    if rule.get("by") == "mixed":
        return ngettext("%(rule)s: %(num)d group", "%(rule)s: %(num)d groups", rule.get("groups", 0),
                        rule=label)
    return label


@routes.route("/manage/courses/<slug>/groups/import", methods=["GET", "POST"])
@login_required
def import_file(slug: str):
    """Place everyone listed in a CSV or XLSX file, or no one, with a row-by-row report."""
    course = get_managed_course(slug)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        rows = uploaded_rows(form.file)
        if rows is not None:
            report = exchange.import_assignments(course, rows)
            if report.ok:
                db.session.commit()
                flash(ngettext("%(num)d participant placed in a group.",
                               "%(num)d participants placed in groups.", report.placed), "success")
                return redirect(url_for(".manage", slug=slug) + "#board")
            db.session.rollback()
    body, status = render_form("groups/import.html", form, course=course, report=report)
    return body, (status if report is None or report.ok else 400)


routes.register(bp)
