"""Checking a certificate layout: it loads, uses only known names, renders a sample in every
language; which wording falls back to English. Above both :mod:`.layouts` and
:mod:`.rendering` (which builds the sample), so neither imports the other back."""
from dataclasses import dataclass, field

from jinja2 import TemplateError, meta

from ..i18n.languages import LANGUAGES
from .layouts import LAYERS, PLACEHOLDER, TEMPLATE_NAMES, LayoutError, load_layout
from .rendering import sample_context


@dataclass
class LayoutReport:
    """What :func:`validate_layout` found: errors, and per language the wording that falls back."""

    name: str
    errors: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_layout(name: str = "default", settings=None,
                    languages=LANGUAGES) -> LayoutReport:
    """Check a layout: it loads, its template uses only known names and renders a sample in
    every language, its placeholders are known; list the wording missing per language (those
    fall back to English). With a course's ``settings``, its own wording counts too."""
    report = LayoutReport(name)
    try:
        layout = load_layout(name)
    except (LayoutError, OSError) as error:
        report.errors.append(str(error))
        return report
    source = layout.template.environment.loader.get_source(
        layout.template.environment, layout.template.name)[0]
    undeclared = meta.find_undeclared_variables(layout.template.environment.parse(source))
    for unknown in sorted(undeclared - TEMPLATE_NAMES):
        report.errors.append(f"{layout.template.name}: unknown placeholder {{{{ {unknown} }}}}")
    for key, spec in layout.fields.items():
        if spec.type != "multilingual":
            continue
        overrides = getattr(settings, spec.setting, None) if settings is not None and spec.setting \
            else None
        wording = layout.wording(key, overrides)
        patterns = [*wording.items(), *([("neutral", spec.neutral)] if spec.neutral else [])]
        for language, text in patterns:
            for placeholder in PLACEHOLDER.findall(text):
                if placeholder not in spec.placeholders:
                    report.errors.append(
                        f"{key} ({language}): unknown placeholder {{{placeholder}}}")
        if "en" not in wording and wording:
            report.errors.append(f"{key}: no English wording to fall back on")
        for language in wording.missing(languages) if "en" in wording else ():
            report.missing.setdefault(language, []).append(key)
    for language in languages:
        for layer in LAYERS if layout.layers else LAYERS[:1]:
            try:
                layout.render([sample_context(layout, language, settings)], layer)
            except TemplateError as error:
                report.errors.append(f"{layout.template.name} ({language}, {layer}): {error}")
    return report
