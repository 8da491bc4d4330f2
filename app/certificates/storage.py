"""Issued certificates' PDFs, kept from when they are issued: a download sends a file.

A certificate's PDF is rendered once: when it is issued (one at a time after the issue is
committed; the bulk job keeps what it renders anyway), or, for a certificate issued before PDFs
were kept (or whose file was lost), on its first download. A reissue is a new certificate, hence a
new file; the old one's stays for the trainers. What was printed stays as printed: changing the
wording or signatures later does not change an issued certificate (reissue it).

The files are kept in the app's storage (``app.storage``: the upload folder, or S3) under
``certificates/<course id>/<id>-<code>.pdf`` (:func:`key_of`); downloads send them with
``app.web.files.stored_file_response``.
"""
from flask import current_app

from ..pdf import cache
from ..storage import storage


def key_of(certificate) -> str:
    """The certificate's storage key, with its code: a row id used again (a database restored
    from a backup, an insert rolled back on SQLite) never finds another certificate's file."""
    return f"certificates/{certificate.registration.course_id}/{certificate.id}-{certificate.code}.pdf"


def stored(key: str) -> bool:
    """Whether a whole PDF is stored under ``key``. Backends write whole files only; a file in
    the upload folder written by an older version may have been cut by a full disk."""
    path = storage().local_path(key)
    return cache.complete(path) if path is not None else storage().exists(key)


def pdf(certificate) -> str:
    """The key of the certificate's PDF: stored, or rendered (once, whoever else on this
    server asks) and stored."""
    key = key_of(certificate)
    if not stored(key):
        with cache.locked(key):
            if not stored(key):
                from .rendering import render_certificate

                storage().put(key, render_certificate(certificate))
                cache.renders["certificate"] += 1
    return key


def keep(certificate, data) -> None:
    """Store a PDF the bulk job rendered (bytes or a binary file), unless the certificate has
    one already (a download keeps the file it was sent)."""
    if not stored(key_of(certificate)):
        storage().put(key_of(certificate), data)


def keep_issued(certificates) -> None:
    """Render and store the PDFs of certificates just issued (call after the commit: a
    certificate that was rolled back gets no file)."""
    for certificate in certificates:
        try:
            pdf(certificate)
        except Exception:  # issued all the same: its first download renders it
            current_app.logger.exception("Certificate %s: its PDF was not stored", certificate.id)


def forget(certificates) -> None:
    """Remove the stored PDFs of ``certificates`` (their person is anonymised), and their
    courses' bulk-issue files (the print file and the ZIP hold them too; an issue run again makes
    new ones without the person)."""
    kept, courses = storage(), set()
    for certificate in certificates:
        kept.delete(key_of(certificate))
        courses.add(certificate.registration.course_id)
    for course_id in courses:
        for key in list(kept.keys(f"issue-jobs/{course_id}/")):
            kept.delete(key)
