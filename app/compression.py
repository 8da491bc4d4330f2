"""Text answers travel compressed (Brotli or gzip, as the browser accepts), through flask-compress.

Compressed: HTML, CSS, JavaScript, JSON and SVG of 500 bytes or more, in a complete answer.
Never: PDFs, images, workbooks and archives (already compressed), streamed answers, a part of
a file (Range), or below 500 bytes. Every answer flask-compress sees says
``Vary: Accept-Encoding``; a compressed one's ETag names its encoding (``"…:br"``) and
If-None-Match is checked again after compressing, so conditional requests still get their 304.
A file sent from disk of one of these types (a static file, fingerprinted so fetched once; an
uploaded SVG logo, at most 1 MB) is read into memory to be compressed.

A signed-in page asked for by another site (``Sec-Fetch-Site`` cross-site or same-site, or a
browser that does not say) is sent uncompressed: its size then cannot tell that site anything
about the secrets in it (BREACH). Participants' pages are reached by a secret link that
another site cannot ask for.
"""
from flask import Flask, request
from flask_compress import Compress
from flask_login import current_user

TYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
         "image/svg+xml"]
SAME_SITE = {"same-origin", "none"}  # "none": the reader opened it (address bar, bookmark)

compress = Compress()


def configure(app: Flask) -> None:
    app.config.update(
        COMPRESS_REGISTER=False,  # run from compress_response, after the checks below
        COMPRESS_MIMETYPES=TYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,  # smaller than gzip's 6 for the same time; 4 is larger on our CSS
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=500,
    )
    compress.init_app(app)
    app.after_request(compress_response)


def compress_response(response):
    if response.status_code == 206 or response.mimetype not in TYPES:
        return response
    if response.direct_passthrough:  # a file from disk: a static file or an uploaded SVG logo
        response.make_sequence()
    elif current_user and current_user.is_authenticated \
            and request.headers.get("Sec-Fetch-Site") not in SAME_SITE:
        return response
    return compress.after_request(response)
