"""File answers: a PDF shown in the browser, a spreadsheet or an archive to download, a file
kept in the app's storage (:func:`stored_file_response`)."""
import math
import mimetypes
import time
from pathlib import Path
from urllib.parse import urlencode

from flask import Response, abort, current_app, redirect, render_template, request, send_file, \
    url_for
from werkzeug.utils import secure_filename

from ..pdf.cache import SINCE_WINDOW, etag_of
from ..storage import storage

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
    response.headers["Cache-Control"] = _revalidated(private)
    return response


def asked_since() -> float:
    """When the reader first asked for a document a job makes: the ``since`` (milliseconds) of
    the address the "being prepared" page asks again, if it is from the last few minutes
    (``app.pdf.cache.SINCE_WINDOW``), else now."""
    now = time.time()
    text = request.args.get("since", "")
    since = int(text) / 1000 if text.isdigit() and len(text) < 16 else 0
    return since if now - SINCE_WINDOW <= since <= now else now


def preparing_response(since: float, retry: int = 2) -> Response:
    """"The PDF is being prepared" (202): the page asks for the same address again in ``retry``
    seconds, with ``since`` (:func:`asked_since`), and is given the PDF once a job has rendered
    it (a view's file is None)."""
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "since"]
    again = url_for(request.endpoint, **request.view_args) + "?" + urlencode(
        [*query, ("since", str(math.floor(since * 1000)))])
    response = Response(render_template("core/preparing.html", retry=retry, again=again),
                        status=202)
    response.headers["Retry-After"] = str(retry)
    response.headers["Cache-Control"] = "no-store"
    return response


def _revalidated(private: bool) -> str:
    return "private, no-cache" if private else "no-cache"


def stored_file_response(key: str, filename: str, mimetype: str | None = None, *,
                         attachment: bool = False, private: bool = False,
                         max_age: int | None = None) -> Response:
    """A file kept in the app's storage (``app.storage``), under ``filename``: shown in the
    browser, or saved if ``attachment``; 404 if it is not there.

    It is streamed as it is read, with a strong ETag: the browser asks again each time and is
    answered 304 while it has not changed (``private``: a person's document, kept by their
    browser only; ``max_age``: public, kept that many seconds without asking, for files whose
    name changes with their content). A file of ``STORAGE_SIGNED_URL_MIN_BYTES`` or more is
    instead a redirect to the storage's own short-lived signed address, where it has one (S3):
    the download does not pass through the app. Call it after the access checks and audit."""
    store = storage()
    name = secure_filename(filename)
    mimetype = mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        found = store.stat(key)
    except FileNotFoundError:
        abort(404)
    if found.size >= current_app.config["STORAGE_SIGNED_URL_MIN_BYTES"]:
        url = store.signed_url(key, filename=name, content_type=mimetype, attachment=attachment)
        if url:
            response = redirect(url, 303)
            response.headers["Cache-Control"] = "no-store"  # the address expires
            return response
    path = store.local_path(key)
    if path is None and request.if_none_match.contains(found.etag):
        response = Response(status=304)  # answered without reading the object
        response.set_etag(found.etag)
    else:
        response = send_file(path or store.open(key), mimetype=mimetype, as_attachment=attachment,
                             download_name=name, etag=found.etag, conditional=True)
        if path is None:
            response.content_length = found.size
    response.headers["Cache-Control"] = _revalidated(private) if max_age is None \
        else f"public, max-age={max_age}"
    return response


def xlsx_response(data: bytes, filename: str) -> Response:
    """An Excel workbook to download."""
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": _disposition("attachment", filename)})

