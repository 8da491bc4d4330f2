"""A course's certificate settings (wording, signatures, languages) and the sample certificate
that previews them. Reading never writes: a course without settings shows the defaults,
unsaved, and the preview is built from plain facts, never a Certificate row."""
from types import SimpleNamespace

from ..courses.models import Course
from ..extensions import db
from ..organisations import logos
from .models import CertificateSettings

FIELDS = ("arrangement", "title", "wording", "issue_place", "signatory1_name", "signatory1_title",
          "signatory2_name", "signatory2_title", "pdfa", "language_mode", "fixed_language1",
          "fixed_language2", "native_digits")
IMAGES = ("signatory1_image", "signatory2_image")


def current_settings(course: Course) -> CertificateSettings:
    """The course's settings, or (not stored, not added to the session) the defaults."""
    if course.certificate_settings is not None:
        return course.certificate_settings
    defaults = {}
    for column in CertificateSettings.__table__.columns:
        default = column.default
        if default is not None and column.key != "course_id":
            defaults[column.key] = default.arg(None) if default.is_callable else default.arg
    return CertificateSettings(**defaults)


def save_settings(course: Course, values: dict, uploads: dict) -> CertificateSettings:
    """Store ``values`` (the names in :data:`FIELDS`) and the signature images uploaded under
    the names in :data:`IMAGES` (an empty upload keeps the image); raises
    :class:`logos.LogoRejected` before changing anything if an image is refused, with the
    refused field's name as its ``field``."""
    stored = {}
    for name in IMAGES:
        try:
            stored[name] = logos.store_upload(uploads.get(name))
        except logos.LogoRejected as problem:
            for image in stored.values():  # the other signature, already written: not kept
                logos.remove(image)
            problem.field = name
            raise
    settings = course.certificate_settings
    if settings is None:
        settings = course.certificate_settings = CertificateSettings()
    for name in FIELDS:
        setattr(settings, name, values[name])
    for name, image in stored.items():
        if image:
            setattr(settings, name, image)
    db.session.flush()
    return settings


def preview_certificate(course: Course, standing) -> SimpleNamespace:
    """What a certificate for ``standing``'s participant would say, for the preview: their
    certificate if they have one, else made-up number and full hours, nothing stored."""
    if standing.certificate is not None:
        return standing.certificate
    registration = standing.registration
    return SimpleNamespace(
        registration=registration, number=f"{course.slug.upper()}-PREVIEW", code="preview",
        second_language=registration.certificate_language, hours=course.contact_hours,
        full_hours=True, attendance_rate=100, issued_at=None, status="valid")
