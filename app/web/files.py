"""File answers: a PDF shown in the browser, a spreadsheet or an archive to download."""
from pathlib import Path

from flask import Response, send_file
from werkzeug.utils import secure_filename

from ..pdf.cache import etag_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _disposition(kind: str, filename: str) -> str:
    # secure_filename leaves only letters, digits, "_", "-" and ".": no quoting needed
    return f"{kind}; filename={secure_filename(filename)}"


def pdf_response(data: bytes | Path, filename: str) -> Response:
    """A PDF (bytes, or a file on disk, streamed) opened in the browser's viewer under
    ``filename``."""
    if isinstance(data, Path):
        return send_file(data, mimetype="application/pdf", download_name=secure_filename(filename))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": _disposition("inline", filename)})


def stored_pdf_response(path: Path, filename: str, *, private: bool = False) -> Response:
    """A PDF kept on disk (a stored certificate, a cached document) with a strong ETag: the
    browser keeps it and asks again each time, and is answered 304 while it has not changed.
    ``private``: a person's own document, kept by their browser only."""
    response = send_file(path, mimetype="application/pdf", download_name=secure_filename(filename),
                         etag=etag_of(path), conditional=True)
    response.headers["Cache-Control"] = "private, no-cache" if private else "no-cache"
    return response


def xlsx_response(data: bytes, filename: str) -> Response:
    """An Excel workbook to download."""
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": _disposition("attachment", filename)})


def zip_response(path: Path, filename: str) -> Response:
    """A ZIP archive on disk to download (streamed from the file)."""
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=secure_filename(filename))
