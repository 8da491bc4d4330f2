"""What participants and trainers read for each registration status."""
from ..i18n import _l

STATUS_LABELS = {
    "pending": _l("Pending approval"),
    "approved": _l("Approved"),
    "waitlisted": _l("On the waitlist"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
}


def status_label(status: str) -> str:
    """The status in the reader's language (the code itself if unknown)."""
    return str(STATUS_LABELS.get(status, status))
