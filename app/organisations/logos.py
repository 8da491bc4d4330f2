"""Checking and storing uploaded logos."""
import re
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path

from flask import current_app

from ..i18n import _

KINDS = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
# What store() names a file: a random URL-safe token (which may start or end with "_" or "-")
# and the kind. Nothing else is ever served from the folder.
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{8,64}\.(png|jpg|svg)")


class LogoRejected(ValueError):
    """The upload is not an acceptable logo; the message says why, translated."""


def sniff(data: bytes) -> str:
    """Return "png", "jpg" or "svg" for ``data``; raise LogoRejected otherwise."""
    limit = current_app.config["MAX_LOGO_BYTES"]
    if len(data) > limit:
        raise LogoRejected(_("The logo is larger than %(size)d KB.", size=limit // 1024))
    for kind, magic in KINDS.items():
        if data.startswith(magic):
            return kind
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")):
        if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
            raise LogoRejected(_("SVG logos may not declare a DOCTYPE or entities."))
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            raise LogoRejected(_("The SVG file is not well-formed.")) from None
        if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
            raise LogoRejected(_("The SVG file has no <svg> root element."))
        if not _harmless(root):
            raise LogoRejected(_("SVG logos may not contain scripts, event handlers or links to "
                                 "other files."))
        return "svg"
    raise LogoRejected(_("A logo must be a PNG, JPEG or SVG image."))


_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object"}
_LOCAL_HREF = re.compile(r"#|data:image/(png|jpeg);base64,", re.I)


def _harmless(root: ET.Element) -> bool:
    """No script, no event handler, nothing fetched from elsewhere (PDFs render these logos)."""
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if tag in _FORBIDDEN_ELEMENTS:
            return False
        if tag == "style" and re.search(r"url\(|@import", element.text or "", re.I):
            return False
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (local == "href" and not _LOCAL_HREF.match(value)):
                return False
            if "url(" in value.lower() and not re.fullmatch(r"\s*url\(#[^)]*\)\s*", value):
                return False
    return True


def is_stored_name(name: str) -> bool:
    return STORED_NAME.fullmatch(name) is not None


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "logos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes) -> str:
    """Check ``data`` and save it under a fresh, unguessable name; return that name."""
    kind = sniff(data)
    name = f"{secrets.token_urlsafe(12)}.{kind}"
    (folder() / name).write_bytes(data)
    return name


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
        (folder() / name).unlink(missing_ok=True)
