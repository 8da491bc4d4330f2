"""Schemathesis against /api/v1/openapi.json: every operation of the JSON API, fed values that the
document allows (and, for the operations taking a body or a query, values it does not), answers
without a server error, with a status code and a body the document describes.

Each operation runs with its path parameters generated (mostly unknown records: 404s) and with
them naming real records of the demo courses (so that the generated queries and bodies reach the
code behind them; the document's example bodies register people and record attendance), with a
write token. The examples are bounded and derandomised: the same cases every run.
"""
import sqlalchemy as sa
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from app.certificates.models import Certificate
from app.courses.models import Course
from app.toolkit.models import Worksheet
from test_api import secret_for

EXAMPLES = 25  # per operation and way of choosing its path parameters
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def real_records(course, db) -> dict:
    """Path parameters naming records of the demo course (registrations: the open seminar)."""
    seminar = db.session.scalar(sa.select(Course).where(Course.slug == "hanoi-action-month-seminar"))
    approved = [r for r in course.registrations if r.status == "approved"]
    session = next(s for s in course.sessions if s.counts_for_attendance)
    certificate = db.session.scalars(sa.select(Certificate)).first()
    sheet = db.session.scalars(sa.select(Worksheet).order_by(Worksheet.id)).first()
    return {"slug": course.slug, "registration_id": approved[0].id, "session_id": session.id,
            "attendee_id": approved[1].id,  # one whose status the status changes leave alone
            "certificate_id": certificate.id, "sheet_id": sheet.id, "code": certificate.code,
            "seminar": seminar.slug}


def run_operation(operation, client, headers, path_parameters, mode) -> list[int]:
    """Send up to ``EXAMPLES`` generated cases of ``operation``; the status code of each answer."""
    sent = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None))
    def check(case):
        response = case.call(session=client, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        sent.append(response.status_code)

    check()
    return sent


def test_the_api_answers_every_generated_case_as_its_document_says(app, client, db, demo_course,
                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "API_ADDRESS_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "100000 per minute")
    records = real_records(demo_course, db)
    headers = {"Authorization": f"Bearer {secret_for(demo_course.trainers[0], 'write')}",
               "Accept-Encoding": "identity"}  # the WSGI transport does not decompress
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.validate()
    counts = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {parameter.name for parameter in operation.path_parameters}
        real = {name: records[name] for name in names}
        if operation.method.upper() == "POST" and operation.path.endswith("/registrations"):
            real["slug"] = records["seminar"]  # registration is open there
        if operation.method.upper() == "PUT":
            real["registration_id"] = records["attendee_id"]
        modes = [schemathesis.GenerationMode.POSITIVE]
        if operation.body or operation.query:
            modes.append(schemathesis.GenerationMode.NEGATIVE)
        for mode in modes:
            for path_parameters in ({}, real) if names else ({},):
                key = (operation.label, mode.value, bool(path_parameters))
                counts[key] = run_operation(operation, client, headers, path_parameters, mode)
    total = sum(len(statuses) for statuses in counts.values())
    print(f"\nschemathesis: {total} cases over {len({key[0] for key in counts})} operations")
    for (label, mode, real_ids), statuses in sorted(counts.items()):
        answers = ", ".join(f"{code}×{statuses.count(code)}" for code in sorted(set(statuses)))
        print(f"  {len(statuses):4d}  {mode:8s} {'real ids' if real_ids else 'generated':9s} {label}: {answers}")
    assert len({key[0] for key in counts}) == 16  # all but the document itself
    assert total >= 16 * 10
    reached = {label for (label, mode, real_ids), statuses in counts.items()
               if any(200 <= code < 300 for code in statuses)}
    assert reached == {key[0] for key in counts}  # every operation answered some case with success
