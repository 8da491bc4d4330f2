"""The reference course's exercises and its teams' filled worksheets (Viet Nam and Indonesia
four each; six more teams their action plan)."""
from pathlib import Path

import sqlalchemy as sa
import yaml

from ..database import utcnow
from ..extensions import db
from ..registrations.models import Registration
from .examples import stored_answers
from .models import Exercise, WorksheetRevision
from .modules import modules
from .operations import sheet_for

DEMO = Path(__file__).parent / "demo_worksheets.yaml"
AGENDA = Path(__file__).parent.parent / "agenda" / "demo_agenda.yaml"


def demo_answers() -> dict[str, dict[str, dict]]:
    """Country → module key → answers as written (``example`` resolved to the module's own)."""
    with open(DEMO, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    found = modules()
    return {country: {key: (found[key].example["answers"] if values == "example" else values)
                      for key, values in by_module.items()}
            for country, by_module in data.items()}


def seed(course) -> None:
    """Use all eleven modules across the agenda (once), then fill the demo teams' sheets."""
    if not course.exercises:
        _exercises(course)
    for country, by_module in demo_answers().items():
        member = db.session.scalar(sa.select(Registration).where(
            Registration.course_id == course.id, Registration.country == country,
            Registration.status == "approved").order_by(Registration.id))
        if member is None:
            continue
        for key in sorted(by_module, key=lambda k: (k != "M11", k)):  # M8 refers to M11's rows
            _fill(course, member, key, by_module[key])


def _exercises(course) -> None:
    with open(AGENDA, encoding="utf-8") as fh:
        rows = yaml.safe_load(fh)["sessions"]
    sessions = {session.title.get("en"): session for session in course.sessions}
    linked = {key: sessions.get(row["title"]["en"]) for row in rows for key in row.get("modules", ())}
    for position, key in enumerate(modules()):
        db.session.add(Exercise(course=course, module_key=key, position=position, mode="team",
                                session=linked.get(key)))
    db.session.flush()


def _fill(course, member: Registration, key: str, values: dict) -> None:
    exercise = next((e for e in course.exercises if e.module_key == key), None)
    if exercise is None or exercise.module is None:
        return
    sheet = sheet_for(exercise, member)
    if sheet.version:
        return
    module = exercise.module
    answers = stored_answers(module, values, prefix=f"{key.lower()}-")
    _link_references(sheet, module, answers)
    sheet.answers, sheet.version, sheet.saved_at, sheet.saved_by = answers, 1, utcnow(), member
    db.session.add(WorksheetRevision(worksheet=sheet, version=1, answers=answers, registration=member))
    db.session.flush()


def _link_references(sheet, module, answers: dict) -> None:
    """Point a reference typed as text at the team's row with that label, when there is one."""
    from .operations import reference_rows

    for spec in module.tables():
        for column in spec.columns:
            if column.type.name != "reference":
                continue
            rows = {label: row_id for row_id, label in reference_rows(sheet, column.type.key(column))}
            for row in answers.get(spec.name, ()):
                value = row.get(column.name)
                if isinstance(value, dict) and value.get("text") in rows:
                    value["row"] = rows[value["text"]]
