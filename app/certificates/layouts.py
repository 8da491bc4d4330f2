"""Certificate layouts as data: ``certificate_layouts/<name>/`` holds ``layout.yaml`` (typed
fields with their wording per language), ``template.html`` and ``theme.css``.

Organisers may edit layouts, so their templates run in Jinja's immutable sandbox with
autoescaping that cannot be switched off (no ``safe`` filter) and ``StrictUndefined``; the
context they see is plain text (app/certificates/rendering.py), never a database object.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..paths import ROOT
from ..i18n.languages import LANGUAGES
from ..i18n.multilingual import MultilingualText

LAYOUTS = ROOT / "certificate_layouts"
FIELD_TYPES = ("multilingual", "choice")
# The names a template may use; everything else is an undefined placeholder.
TEMPLATE_NAMES = {"certificates", "title", "layer"}
LAYERS = ("page", "background", "person")
PLACEHOLDER = re.compile(r"\{(\w*)\}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class LayoutError(ValueError):
    """A layout is missing, malformed or unsafe; the message says which file and what."""


@dataclass(frozen=True)
class Field:
    """One typed field of a layout: its wording per language, or a choice."""

    name: str
    type: str
    default: object
    setting: str | None = None
    placeholders: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    neutral: str = ""  # a pattern for languages without wording, e.g. "{dates} · {place}"


@dataclass
class Layout:
    """A loaded layout: its fields, sandboxed template and stylesheet."""

    name: str
    label: str
    folder: Path
    fields: dict[str, Field]
    template: object
    css: str
    layers: bool = False  # the template can draw `background` and `person` layers apart
    stamp: tuple = field(default=(), repr=False)

    def render(self, contexts: list[dict], layer: str = "page", title: str = "") -> str:
        """The HTML of ``contexts`` (one page each) in ``layer``."""
        if not title:
            first = contexts[0]["t"]["title"] if contexts else []
            title = first[0].text if first else "Certificate"
        return self.template.render(certificates=contexts, title=title, layer=layer)

    def wording(self, name: str, overrides: MultilingualText | None = None) -> MultilingualText:
        """A multilingual field's text: a course's ``overrides`` over the layout's defaults."""
        spec = self.fields.get(name)
        merged = dict(spec.default) if spec is not None and spec.type == "multilingual" else {}
        merged.update(overrides or {})
        return MultilingualText(merged)


_cache: dict[str, Layout] = {}


def load_layout(name: str = "default") -> Layout:
    """Return the layout ``name``, read again whenever one of its files changed."""
    if not _NAME.fullmatch(name or ""):
        raise LayoutError(f"Not a layout name: {name!r}")
    folder = LAYOUTS / name
    stamp = tuple(path.stat().st_mtime_ns for path in sorted(folder.glob("*")) if path.is_file()) \
        if folder.is_dir() else ()
    cached = _cache.get(name)
    if cached is None or cached.stamp != stamp:
        cached = _cache[name] = _read(name, folder, stamp)
    return cached


def _read(name: str, folder: Path, stamp: tuple) -> Layout:
    definition = folder / "layout.yaml"
    if not definition.is_file():
        raise LayoutError(f"No layout {name!r} (expected {definition.relative_to(ROOT)})")
    try:
        data = yaml.safe_load(definition.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise LayoutError(f"{name}/layout.yaml: {error}") from None
    fields = {key: _field(name, key, spec) for key, spec in (data.get("fields") or {}).items()}
    css_name = data.get("stylesheet", "theme.css")
    css = (folder / css_name).read_text(encoding="utf-8") if (folder / css_name).is_file() else ""
    if "{{" in css or "{%" in css:
        raise LayoutError(f"{name}/{css_name}: a stylesheet is static; no template values in CSS")
    environment = sandbox(folder)
    try:
        template = environment.get_template(data.get("template", "template.html"))
    except TemplateError as error:
        raise LayoutError(f"{name}/{data.get('template', 'template.html')}: {error}") from None
    return Layout(name, str(data.get("label") or name), folder, fields, template, css,
                  bool(data.get("layers")), stamp)


def _field(layout: str, key: str, spec: dict) -> Field:
    kind = (spec or {}).get("type")
    if kind not in FIELD_TYPES:
        raise LayoutError(f"{layout}/layout.yaml: field {key!r} has type {kind!r}, "
                          f"expected one of {', '.join(FIELD_TYPES)}")
    if kind == "choice":
        choices = tuple(spec.get("choices") or ())
        if spec.get("default") not in choices:
            raise LayoutError(f"{layout}/layout.yaml: field {key!r}: default not among choices")
        return Field(key, kind, spec["default"], spec.get("setting"), choices=choices)
    default = spec.get("default") or {}
    unknown = set(default) - set(LANGUAGES)
    if unknown:
        raise LayoutError(f"{layout}/layout.yaml: field {key!r}: "
                          f"unknown languages {sorted(unknown)}")
    return Field(key, kind, MultilingualText(default), spec.get("setting"),
                 tuple(spec.get("placeholders") or ()), neutral=str(spec.get("neutral") or ""))


def sandbox(folder: Path) -> ImmutableSandboxedEnvironment:
    """The Jinja environment layouts run in: sandboxed, autoescaped, strict about undefined."""
    environment = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined,
        auto_reload=False)
    environment.filters.pop("safe", None)  # escaping stays on for every value
    return environment


def fill(text: str, **values: str) -> str:
    """Put ``values`` into ``{name}`` placeholders; unknown ones are left as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
