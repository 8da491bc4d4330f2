"""What the audit log page shows for each action, channel and detail, in the reader's language.

An event keeps codes and ids (``AuditEvent.details``); these turn them into words when the page
is read, so a new translation applies to old events too."""
from collections.abc import Callable, Mapping

from ..agenda.forms import METHOD_LABELS
from ..i18n import _, _l
from ..reference import country_name
from ..registrations.exchange import COLUMNS as REGISTRATION_COLUMNS
from ..registrations.labels import status_label
from ..users.forms import ROLE_LABELS
from .models import AuditEvent

ACTION_LABELS = {
    "registration.create": _l("Registration added by staff"),
    "registration.status": _l("Registration status changed"),
    "registration.edit": _l("Registration details corrected"),
    "registration.merge": _l("Duplicate registration merged"),
    "registration.link": _l("Personal link sent again"),
    "registration.link_renew": _l("Personal link revoked and renewed"),
    "registration.anonymise": _l("Registration anonymised"),
    "registration.import": _l("Registrations imported"),
    "attendance.mark": _l("Attendance marked"),
    "attendance.correct": _l("Attendance corrected"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.issue_all": _l("Bulk issue of certificates started"),
    "certificate.revoke": _l("Certificate revoked"),
    "certificate.reissue": _l("Certificate reissued"),
    "export.participants": _l("Registrations exported"),
    "export.signin_sheet": _l("Sign-in sheet downloaded"),
    "export.certificate": _l("Certificate downloaded"),
    "export.certificates": _l("Issued certificates downloaded"),
    "export.worksheets": _l("Worksheets downloaded"),
    "user.create": _l("Staff account created"),
    "user.edit": _l("Staff account changed"),
    "user.role": _l("Staff role changed"),
    "user.activate": _l("Staff account activated"),
    "user.deactivate": _l("Staff account deactivated"),
    "course.team_add": _l("Added to a course team"),
    "course.team_remove": _l("Removed from a course team"),
    "user.password_reset": _l("Password reset through the emailed link"),
    "user.totp_enrol": _l("Two-step sign-in switched on"),
    "user.totp_disable": _l("Two-step sign-in switched off"),
    "user.totp_reset": _l("Two-step sign-in removed by an administrator"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
}

CHANNEL_LABELS = {"web": _l("Web page"), "api": _l("API"), "cli": _l("Command line")}

DETAIL_LABELS = {
    "change": _l("Before → after"), "bulk": _l("Bulk change"), "fields": _l("Fields"),
    "duplicate": _l("Merged duplicate"), "session": _l("Session"), "method": _l("Recorded by"),
    "early": _l("Confirmed as early"), "rows": _l("Rows imported"), "waitlisted": _l("On the waitlist"),
    "number": _l("Number"), "registration": _l("Registration"), "below_threshold": _l("Below the threshold"),
    "replaces": _l("Replaces"), "job": _l("Bulk issue"), "format": _l("Format"), "exercise": _l("Exercise"),
    "sheet": _l("Worksheet"), "country": _l("Country"), "retention_days": _l("Retention (days)"),
    "role": _l("Role"), "active": _l("Account active"),
}

ACCOUNT_FIELD_LABELS = {"email": _l("Email"), "name": _l("Name"), "language": _l("Language"),
                        "password": _l("Password")}
ATTENDANCE_LABELS = {"present": _l("Present"), "absent": _l("Absent"), "": _l("Not marked")}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


def describe(event: AuditEvent, sessions: Mapping[int, str]) -> list[tuple[str, str]]:
    """The event's details as (label, value) pairs in the reader's language; an old and a new
    value as one change. ``sessions``: the titles of the agenda sessions named (by id)."""
    details = dict(event.details or {})
    shown = _values_of(event.action, sessions)
    if "old" in details and "new" in details:
        word = shown["change"]
        details = {"change": f"{word(details.pop('old'))} → {word(details.pop('new'))}", **details}
        shown["change"] = str
    return [(str(DETAIL_LABELS.get(key, key)), shown.get(key, _plain)(value)) for key, value in details.items()]


def _values_of(action: str, sessions: Mapping[int, str]) -> dict[str, Callable[[object], str]]:
    """How to word the values of ``action``'s details (codes become labels)."""
    kind = action.split(".", 1)[0]
    fields = {"registration": dict(REGISTRATION_COLUMNS), "user": ACCOUNT_FIELD_LABELS}.get(kind, {})
    changes = {"registration": status_label, "user": _role,
               "attendance": lambda state: str(ATTENDANCE_LABELS.get(state, state))}.get(kind, _plain)
    return {"change": changes, "role": _role, "country": country_name,
            "session": lambda sid: f"{sessions[sid]} (#{sid})" if sid in sessions else f"#{sid}",
            "method": lambda method: str(METHOD_LABELS.get(method, method)),
            "format": lambda code: str(code).upper(),
            "fields": lambda names: ", ".join(str(fields.get(name, name)) for name in names)}


def _role(role) -> str:
    return str(ROLE_LABELS.get(role, role))


def _plain(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)
