"""Checking and storing uploaded images: organisations' logos, speakers' photos, signatures.

Every image goes through :func:`store`, which never keeps the bytes as sent: it reads the
declared size from the file's header and refuses more pixels than configured *before* decoding
(a few kilobytes of PNG can declare 8000×8000 pixels and cost a PDF render seconds and hundreds
of megabytes), decodes the image with Pillow, and writes a fresh PNG or JPEG of its pixels
only: no metadata (EXIF with a phone's location, text chunks, comments, colour profiles), no
second frame, nothing a decoder elsewhere could trip on. The type is judged by the content,
never by the file's name. SVG is refused: it is markup, and a hand-written cleaner for it
could be bypassed (CSS escapes, animation elements); an organiser saves the logo as PNG.

The files are kept in the app's storage (``app.storage``) under ``logos/<name>``
(:func:`key_of`), whichever backend it is: the logo page and the PDF fetcher read them there.

Names stored before SVG was refused may still end in ``.svg``: :func:`is_stored_name` does not
match them, so they are neither served, nor fetched into PDFs, nor shown (:func:`shown_image`):
the organisation's edit page asks for the logo again.
"""
import io
import re
import secrets
import warnings

from flask import current_app
from flask_babel import format_decimal
from PIL import Image, ImageOps

from ..i18n import _
from ..storage import storage

# Formats Pillow may try to read (no other decoder is ever run on an upload); GIF and WebP,
# as logos saved from websites often are, are converted like the others.
READ_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
# Stored images are scaled down to this many pixels on their longer side: enough for a logo
# or a signature printed 10 cm wide at 400 dpi, and a light load for every PDF that prints it.
STORED_SIDE = 2000
JPEG_QUALITY = 90
# What store() names a file: a random URL-safe token (which may start or end with "_" or "-")
# and the kind. Nothing else is ever served from the folder.
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{8,64}\.(png|jpg)")
SVG_START = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml|<svg|<!--|<!doctype\s+svg)", re.I)


class LogoRejected(ValueError):
    """The upload is not an acceptable image; the message says why, translated."""


def store(data: bytes) -> str:
    """Check ``data``, re-encode it and save it under a fresh, unguessable name; return that
    name. Raises :class:`LogoRejected`, with nothing written, if the image is refused."""
    kind, encoded = reencode(data)
    name = f"{secrets.token_urlsafe(12)}.{kind}"
    storage().put(key_of(name), encoded)
    return name


def reencode(data: bytes) -> tuple[str, bytes]:
    """("png" or "jpg", the new file's bytes) for an uploaded image, or :class:`LogoRejected`.

    A JPEG stays a JPEG (a photo, already lossy: as PNG it would only grow); everything else
    becomes a PNG, lossless and keeping transparency."""
    image = _opened(data)
    kind = "jpg" if image.format == "JPEG" else "png"
    try:
        image = _decoded(data)
        if kind == "jpg":
            image = ImageOps.exif_transpose(image)  # phones store photos sideways plus a flag
        image = _plain(image, kind)
        image.thumbnail((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS)
        image.info = {}  # nothing but the pixels is written
        output = io.BytesIO()
        if kind == "jpg":
            image.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True)
        else:
            image.save(output, "PNG", optimize=True)
    except Exception:  # Pillow signals a damaged file by many exception types
        raise _damaged() from None
    return kind, output.getvalue()


def _opened(data: bytes) -> Image.Image:
    """The image's header only, checked for size in bytes, type and pixels; nothing decoded."""
    limit = current_app.config["MAX_LOGO_BYTES"]
    if len(data) > limit:
        raise LogoRejected(_("The image is larger than %(size)s KB.",
                             size=format_decimal(limit // 1024)))
    if SVG_START.match(data[:1024]):
        raise LogoRejected(_("SVG files are not accepted. Save the image as PNG or JPEG and "
                             "upload that file."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=READ_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except Image.UnidentifiedImageError:
        raise LogoRejected(_("This file is not a PNG, JPEG, GIF or WebP image.")) from None
    except Exception:
        raise _damaged() from None
    width, height = image.size
    side, megapixels = _limits()
    if width > side or height > side or width * height > megapixels * 1_000_000:
        raise _too_many_pixels()
    return image


def _decoded(data: bytes) -> Image.Image:
    """The first frame, decoded, after Pillow's own check of the file (checksums, ends):
    ``verify`` consumes the image it checks, so decoding opens the bytes again."""
    Image.open(io.BytesIO(data), formats=READ_FORMATS).verify()
    image = Image.open(io.BytesIO(data), formats=READ_FORMATS)
    image.load()
    return image


def _plain(image: Image.Image, kind: str) -> Image.Image:
    """The pixels in a mode the stored format takes: grey or RGB for JPEG; for PNG, RGBA when
    anything is transparent, else grey or RGB (palettes, 16-bit and CMYK are converted)."""
    if kind == "jpg":
        return image.convert("L" if image.mode in ("1", "L") else "RGB")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("L" if image.mode in ("1", "L") else "RGB")


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["MAX_IMAGE_SIDE"], config["MAX_IMAGE_MEGAPIXELS"]


def _too_many_pixels() -> LogoRejected:
    side, megapixels = _limits()
    return LogoRejected(_("The image has too many pixels: at most %(side)s × %(side)s pixels and "
                          "%(megapixels)s megapixels are accepted. Make it smaller and upload it "
                          "again.", side=format_decimal(side),
                          megapixels=format_decimal(megapixels)))


def _damaged() -> LogoRejected:
    return LogoRejected(_("The image file is damaged and cannot be read. Save it again and "
                          "upload the new file."))


def printable(data: bytes) -> bool:
    """Whether a stored file may go into a PDF: an image within today's limits. Files stored
    before uploads were re-encoded were kept as sent, and one may declare 8000×8000 pixels in a
    few kilobytes (the PDF fetcher asks; re-uploading the image makes it printable again)."""
    try:
        _opened(data)
    except LogoRejected:
        return False
    return True


def is_stored_name(name: str) -> bool:
    """Whether ``name`` is an image :func:`store` wrote (a PNG or JPEG under a random name)."""
    return STORED_NAME.fullmatch(name) is not None


def shown_image(name: str | None) -> str | None:
    """The stored image to show or print, or None: none uploaded, or an SVG kept from before
    SVG was refused (the pages then show the organisation's name instead)."""
    return name if name and is_stored_name(name) else None


def key_of(name: str) -> str:
    """The storage key of a stored image's file."""
    return f"logos/{name}"


def uploaded(data) -> bytes | None:
    """The bytes of a form's file field when a file was chosen (else None, e.g. on edits)."""
    from werkzeug.datastructures import FileStorage

    return data.read() if isinstance(data, FileStorage) and data.filename else None


def store_upload(data) -> str | None:
    """Check and store a form's uploaded image, if one was chosen; return its file name."""
    content = uploaded(data)
    return store(content) if content else None


def remove(name: str | None) -> None:
    if name:
        storage().delete(key_of(name))
