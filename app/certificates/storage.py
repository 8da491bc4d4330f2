"""Issued certificates' PDFs, kept from when they are issued: a download sends a file.

A certificate's PDF is rendered once: when it is issued (one at a time after the issue is
committed; the bulk job keeps what it renders anyway), or, for a certificate issued before PDFs
were kept (or whose file was lost), on its first download. A reissue is a new certificate, hence a
new file; the old one's stays for the trainers. What was printed stays as printed: changing the
wording or signatures later does not change an issued certificate (reissue it).

Where the files live is :func:`put` and :func:`get`, one small pair over the upload folder
(``UPLOAD_FOLDER/certificates/<course id>/``): object storage replaces just these two.
"""
from pathlib import Path

from flask import current_app

from ..pdf import cache


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "certificates"


def put(name: str, data: bytes) -> None:
    """Store ``data`` under ``name`` (whole or not at all)."""
    cache.atomic_write(_root() / name, data)


def get(name: str) -> Path | None:
    """The stored file ``name``, if it is there and whole."""
    path = _root() / name
    return path if cache.complete(path) else None


def remove(name: str) -> None:
    (_root() / name).unlink(missing_ok=True)


def name_of(certificate) -> str:
    """The certificate's file name, with its code: a row id used again (a database restored
    from a backup, an insert rolled back on SQLite) never finds another certificate's file."""
    return f"{certificate.registration.course_id}/{certificate.id}-{certificate.code}.pdf"


def pdf(certificate) -> Path:
    """The certificate's PDF: the stored one, or rendered (once, whoever else asks) and stored."""
    name = name_of(certificate)
    found = get(name)
    if found is None:
        with cache.locked(name):
            found = get(name)
            if found is None:
                from .rendering import render_certificate

                put(name, render_certificate(certificate))
                cache.renders["certificate"] += 1
                found = _root() / name
    return found


def keep(certificate, data: bytes) -> None:
    """Store a PDF the bulk job rendered, unless the certificate has one already (a download
    keeps the file it was sent)."""
    if get(name_of(certificate)) is None:
        put(name_of(certificate), data)


def keep_issued(certificates) -> None:
    """Render and store the PDFs of certificates just issued (call after the commit: a
    certificate that was rolled back gets no file)."""
    for certificate in certificates:
        try:
            pdf(certificate)
        except Exception:  # issued all the same: its first download renders it
            current_app.logger.exception("Certificate %s: its PDF was not stored", certificate.id)


def forget(certificates) -> None:
    """Remove the stored PDFs of ``certificates`` (their person is anonymised)."""
    for certificate in certificates:
        remove(name_of(certificate))
