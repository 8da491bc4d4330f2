"""The API's resources and inputs as marshmallow schemas: they shape the JSON, check what is
sent, and describe both in the OpenAPI document.

Codes come from the models and the reference data the forms use (statuses, sexes, age groups,
countries, organisation types, ministries, languages); refusals use the forms' wording.
Organiser-written text is given in every language it was written in ({"en": …, "vi": …}).
Moments are ISO 8601 in UTC; days (a course's dates) are ISO dates.
"""
import marshmallow as ma
from marshmallow import ValidationError, fields, validates_schema

from ..agenda.models import KINDS, METHODS, ROLES
from ..certificates.models import STATUSES as CERTIFICATE_STATUSES
from ..courses.models import MODES
from ..i18n import _, _l
from ..i18n.languages import LANGUAGES
from ..links import verify_url
from ..reference import is_country, ministries, organisation_types
from ..registrations.forms import OTHER, PHONE
from ..registrations.models import AGE_GROUPS, ATTENDANCE_MODES, NAME_ORDERS, SEXES, STATUSES
from ..registrations.operations import registration_state
from ..registrations.names import certificate_name, nfc, passport_name_problem, visible_name_problem
from ..toolkit.models import MODES as EXERCISE_MODES
from ..toolkit.models import STATUSES as WORKSHEET_STATUSES
from .pagination import DEFAULT_LIMIT, MAX_CURSOR, MAX_LIMIT
from .validation import Length, Line, OneOf, Paragraph, Pattern, Range, email_address, filled

REGISTRATION_STATES = ("open", "not_yet", "closed", "ended")
COUNTRY_CODE = r"^[A-Z]{2}$"
COUNTRY_MESSAGE = _l("Use the country's two-letter ISO code, such as VN.")
PHONE_MESSAGE = _l("Use digits, spaces and + ( ) - . / only.")


def texts(**options) -> fields.Dict:
    """Organiser-written text by language code."""
    return fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "The text in each language it was written in, by language code"}, **options)


def nullable(field_class, **options):
    return field_class(allow_none=True, **options)


# Problems

class ProblemSchema(ma.Schema):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    type = fields.String(required=True, metadata={
        "format": "uri-reference",
        "description": "about:blank, or urn:lokakarya:problem:… for the API's own kinds"})
    title = fields.String(required=True, metadata={"description": "In the request's language"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "In the request's language"})
    instance = fields.String(required=True, metadata={"format": "uri-reference"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "Invalid parameters or body fields (dotted names), each with its messages"})


# The index

class IndexSchema(ma.Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "Addresses: the OpenAPI document, the docs, the collections, token creation"})


# Courses and their agenda

class CourseSchema(ma.Schema):
    slug = fields.String(required=True)
    title = texts(required=True)
    description = texts()
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    city = texts()
    venue = texts()
    country = fields.String()
    timezone = fields.String(metadata={"description": "The venue's IANA time zone"})
    mode = fields.String(metadata={"enum": list(MODES)})
    working_language = fields.String()
    languages = fields.List(fields.String(), metadata={
        "description": "The working language, then the certificates' second languages"})
    contact_hours = fields.Float()
    registration_opens = nullable(fields.Date)
    registration_closes = nullable(fields.Date)
    registration = fields.Function(registration_state, metadata={
        "type": "string", "enum": list(REGISTRATION_STATES),
        "description": "Whether registration is open now (days at the venue)"})
    capacity = nullable(fields.Integer)
    country_quota = nullable(fields.Integer)
    requires_approval = fields.Boolean()
    archived = fields.Function(lambda course: course.archived_at is not None,
                               metadata={"type": "boolean"})


class LeadSchema(ma.Schema):
    speaker_id = fields.Integer()
    name = fields.String(attribute="speaker.name")
    role = fields.String(metadata={"enum": list(ROLES)})


class SessionSchema(ma.Schema):
    id = fields.Integer(required=True)
    uid = fields.String(metadata={"description": "The session's iCalendar UID"})
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    title = texts()
    description = texts()
    kind = fields.String(metadata={"enum": list(KINDS)})
    room = fields.String()
    online_url = fields.String(metadata={"description": "The meeting link, for staff only"})
    counts_for_attendance = fields.Boolean()
    leads = fields.List(fields.Nested(LeadSchema))


# Registrations

class RegistrationSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    full_name = fields.String()
    family_name = fields.String()
    given_names = fields.String()
    name_order = fields.String(metadata={"enum": list(NAME_ORDERS)})
    honorific = fields.String()
    native_name = fields.String()
    address_as = fields.String()
    certificate_name = fields.String(metadata={"description": "The name as the certificate prints it"})
    sex = fields.String(metadata={"enum": list(SEXES)})
    age_group = fields.String(metadata={"enum": list(AGE_GROUPS)})
    country = fields.String()
    organisation_type = fields.String()
    ministry = fields.String()
    organisation = fields.String()
    position = fields.String()
    province = fields.String()
    email = fields.String()
    phone = fields.String()
    attendance_mode = fields.String(metadata={"enum": list(ATTENDANCE_MODES)})
    language = fields.String()
    certificate_language = fields.String()
    dietary = fields.String()
    accessibility = fields.String()
    delegation_id = nullable(fields.Integer)
    group_id = nullable(fields.Integer)
    submitted_at = fields.DateTime()
    updated_at = fields.DateTime()


def latin_name(value: str) -> None:
    """A name as printed on the certificate's Latin line (the form's NameCheck)."""
    problem = passport_name_problem(value)
    if problem is not None:
        raise ValidationError(problem.message("native_name"))


def visible_name(value: str) -> None:
    problem = visible_name_problem(value)
    if problem is not None:
        raise ValidationError(problem.message("native_name"))


def organisation_type_codes() -> list[str]:
    return [kind.code for kind in organisation_types()]


class RegistrationInputSchema(ma.Schema):
    """Someone to register, with the registration form's fields and rules. ``ministry`` is the
    code of a ministry listed for the country, or "other" (then name it under ``organisation``)."""

    full_name = Line(required=True, validate=[filled, latin_name, Length(300)])
    family_name = Line(load_default="", validate=[latin_name, Length(200)])
    given_names = Line(load_default="", validate=[latin_name, Length(200)])
    name_order = Line(load_default="given_first", validate=OneOf(NAME_ORDERS))
    honorific = Line(load_default="", validate=[latin_name, Length(80)])
    native_name = Line(load_default="", validate=[visible_name, Length(300)])
    address_as = Line(load_default="", validate=[visible_name, Length(200)])
    sex = Line(required=True, validate=[filled, OneOf(SEXES)])
    age_group = Line(required=True, validate=[filled, OneOf(AGE_GROUPS)])
    country = Line(required=True, validate=[filled, Pattern(COUNTRY_CODE, COUNTRY_MESSAGE)])
    organisation_type = Line(required=True, validate=[filled, OneOf(organisation_type_codes())])
    ministry = Line(load_default="", validate=Length(60))
    organisation = Line(load_default="", validate=[visible_name, Length(300)])
    position = Line(load_default="", validate=Length(200))
    province = Line(load_default="", validate=Length(120))
    email = Line(required=True, validate=[filled, Length(254), email_address])
    phone = Line(load_default="", validate=[Length(40), Pattern(PHONE, PHONE_MESSAGE)])
    language = Line(load_default="", validate=OneOf(("", *LANGUAGES)), metadata={
        "description": "For emails and pages; empty or left out: the course's working language"})
    certificate_language = Line(load_default="", validate=OneOf(("", *LANGUAGES)))
    dietary = Paragraph(load_default="", validate=Length(500))
    accessibility = Paragraph(load_default="", validate=Length(500))
    attendance_mode = Line(load_default="", validate=OneOf(("", *ATTENDANCE_MODES)), metadata={
        "description": "Required on hybrid courses"})

    @validates_schema
    def check_person(self, data: dict, **kwargs) -> None:
        """The form's rules across fields: the country's organisation types and ministries, the
        organisation's name when no ministry is listed, the printed name's length."""
        errors: dict[str, list[str]] = {}
        country = data["country"]
        if not is_country(country):
            errors["country"] = [_("Not a valid choice.")]
        elif data["organisation_type"] not in {kind.code for kind in organisation_types(country)}:
            errors["organisation_type"] = [_("This type of organisation is not offered for this country.")]
        ministry = data["ministry"]
        if not ministry:
            if data["organisation_type"] == "government":
                errors["ministry"] = [_("Choose your ministry or agency, or “Other”.")]
        elif ministry != OTHER and ministry not in {m.code for m in ministries(country)}:
            errors["ministry"] = [_("This ministry is not in the list for your country.")]
        unlisted = ministry == OTHER or data["organisation_type"] not in ("", "government")
        if unlisted and not data["organisation"].strip():
            errors.setdefault("organisation", []).append(
                _("Write the name of your ministry or organisation."))
        printed = certificate_name(data["full_name"], data["family_name"], data["given_names"],
                                   data["name_order"], data["honorific"])
        if len(nfc(data["full_name"])) > 300 or len(printed) > 400:
            errors.setdefault("full_name", []).append(_("This name is too long."))
        if errors:
            raise ValidationError(errors)


REGISTRATION_EXAMPLE = {
    "full_name": "Nguyen Thi Lan", "family_name": "Nguyễn", "given_names": "Thị Lan",
    "name_order": "family_first", "native_name": "Nguyễn Thị Lan", "sex": "female",
    "age_group": "35-44", "country": "VN", "organisation_type": "government", "ministry": "other",
    "organisation": "Provincial Department of Labour", "position": "Deputy Director",
    "email": "lan@example.vn", "language": "vi"}


class StatusInputSchema(ma.Schema):
    status = Line(required=True, validate=OneOf(STATUSES))
    reason = Line(load_default="", validate=Length(500), metadata={
        "description": "Told to the participant in the email about the change"})


# Attendance

class AttendanceSchema(ma.Schema):
    session_id = fields.Integer(required=True)
    registration_id = fields.Integer(required=True)
    present = fields.Boolean(required=True)
    method = fields.String(metadata={"enum": list(METHODS)})
    marked_at = fields.DateTime()
    marked_by_id = nullable(fields.Integer)
    reason = fields.String()


STATUS_EXAMPLE = {"status": "approved", "reason": ""}


class AttendanceInputSchema(ma.Schema):
    present = fields.Boolean(required=True)
    reason = Line(load_default="", validate=Length(300))
    confirm_early = fields.Boolean(load_default=False, metadata={
        "description": "Mark a session that has not started yet (recorded as such)"})
    key = Line(load_default=None, validate=Length(64), metadata={
        "description": "Optional idempotency key: sending the same key again changes nothing"})


ATTENDANCE_EXAMPLE = {"present": True, "reason": "Signed the paper sheet"}


# Worksheets

class ExerciseSchema(ma.Schema):
    id = fields.Integer()
    module_key = fields.String(metadata={"description": "The toolkit module, e.g. M11"})
    mode = fields.String(metadata={"enum": list(EXERCISE_MODES)})


class WorksheetSchema(ma.Schema):
    id = fields.Integer(required=True)
    exercise = fields.Nested(ExerciseSchema)
    registration_id = nullable(fields.Integer, metadata={"description": "An individual sheet's participant"})
    delegation_id = nullable(fields.Integer, metadata={"description": "A country team's sheet"})
    group_id = nullable(fields.Integer, metadata={"description": "A working group's sheet"})
    team = nullable(fields.String, attribute="group.name",
                    metadata={"description": "The working group's name"})
    country = fields.String()
    answers = fields.Dict(keys=fields.String(), metadata={"description": "By the module's field keys"})
    version = fields.Integer()
    status = fields.String(metadata={"enum": list(WORKSHEET_STATUSES)})
    saved_at = nullable(fields.DateTime)
    submitted_at = nullable(fields.DateTime)


# Certificates

class CertificateSchema(ma.Schema):
    id = fields.Integer(required=True)
    registration_id = fields.Integer()
    holder = fields.String(attribute="registration.certificate_name")
    number = fields.String()
    code = fields.String(metadata={"description": "The verification code"})
    status = fields.String(metadata={"enum": list(CERTIFICATE_STATUSES)})
    second_language = fields.String()
    hours = fields.Float()
    full_hours = fields.Boolean()
    attendance_rate = fields.Float()
    issued_at = fields.DateTime()
    issued_early = fields.Boolean()
    revoked_at = nullable(fields.DateTime)
    revoke_reason = fields.String()
    superseded_by_id = nullable(fields.Integer)
    verify_url = fields.Function(verify_url, metadata={"type": "string", "format": "uri"})


class VerifiedCourseSchema(ma.Schema):
    slug = fields.String()
    title = texts()
    start_date = fields.Date()
    end_date = fields.Date()
    city = texts()
    country = fields.String()


class VerificationSchema(ma.Schema):
    """What the public verification page (/verify/<code>) shows."""

    status = fields.String(required=True, metadata={"enum": list(CERTIFICATE_STATUSES)})
    number = fields.String()
    holder = fields.String(metadata={"description": "The name as printed"})
    holder_native_name = fields.String()
    course = fields.Nested(VerifiedCourseSchema)
    hours = fields.Float()
    issued_on = fields.Date(metadata={"description": "The day at the course's venue"})
    revoked_on = nullable(fields.Date)
    revoke_reason = fields.String()


# The donor report (app/reports/report.py, as_json)

class ReportSchema(ma.Schema):
    """The donor report's figures, as ``flask report <slug> --format json`` writes them: counts,
    percentages (0–100) and means, null under the course's small-cell threshold."""

    class Meta:
        unknown = ma.INCLUDE

    course = fields.Dict()
    courses = fields.List(fields.Dict())
    filters = fields.Dict()
    threshold = fields.Integer()
    participants = fields.Dict()
    registrations = fields.Dict()
    attendance = fields.Dict()
    worksheets = fields.Dict()
    knowledge = fields.Dict()
    evaluation = fields.Dict()
    follow_up = fields.Dict()
    action_plans = fields.List(fields.Dict())


# Query parameters

class PageArgsSchema(ma.Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(min=1, max=MAX_LIMIT), metadata={
        "description": "Items a page (default 50, at most 200)"})
    cursor = fields.String(validate=Length(MAX_CURSOR), metadata={
        "description": "The next_cursor of the previous page"})


class RegistrationArgsSchema(PageArgsSchema):
    status = fields.String(validate=OneOf(STATUSES))
    country = fields.String(validate=Pattern(COUNTRY_CODE, COUNTRY_MESSAGE))


class WorksheetArgsSchema(PageArgsSchema):
    exercise = fields.String(validate=Length(8), metadata={"description": "A module key, e.g. M11"})


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of a page of ``item``s: ``items`` and ``next_cursor``."""
    return type(name, (ma.Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(required=True, allow_none=True, metadata={
            "description": "Pass as ?cursor= for the next page; null on the last page"}),
    })


CoursePageSchema = page_schema(CourseSchema, "CoursePageSchema")
SessionPageSchema = page_schema(SessionSchema, "SessionPageSchema")
RegistrationPageSchema = page_schema(RegistrationSchema, "RegistrationPageSchema")
AttendancePageSchema = page_schema(AttendanceSchema, "AttendancePageSchema")
WorksheetPageSchema = page_schema(WorksheetSchema, "WorksheetPageSchema")
CertificatePageSchema = page_schema(CertificateSchema, "CertificatePageSchema")
