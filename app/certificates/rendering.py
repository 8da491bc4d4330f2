"""Certificates as PDFs: the models' facts as plain text, the layout's sandboxed template, and
the app's one PDF pipeline (:mod:`app.pdf`).

Many certificates are laid out as one document (one page each), faster than one document
per certificate, and cut into individual PDFs afterwards. For a whole course the bulk job
calls :func:`render_batch` (app/certificates/batch.py), which also lays out what a group of
certificates shares only once and uses all cores.
"""
import re
import unicodedata
from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import segno
from babel.numbers import format_decimal

from .. import links
from ..courses.dates import course_today, local_date
from ..i18n.languages import babel_locale
from ..i18n.multilingual import MultilingualText
from ..organisations import logos
from ..pdf import render_document, resource_url, write_document
from ..reference import country_name
from ..registrations.names import script_language
from ..typography import drawable
from .dates import format_day, format_days
from .fitting import Fit, fit_pages
from .languages import certificate_languages, native_digits, writes_latin
from .layouts import Layout, fill, load_layout
from .splitting import split_pages

Cell = namedtuple("Cell", "lang text")  # one language's wording of a phrase
Text = namedtuple("Text", "text lang")  # a value in one script, tagged for its font
Logo = namedtuple("Logo", "role src label")
Signatory = namedtuple("Signatory", "name image title")

NAME_LIMIT = 300  # characters printed of a name; the database allows more


@dataclass
class Facts:
    """What one certificate says, read from the models: plain values only."""

    languages: tuple[str, ...]
    name: str
    course_title: MultilingualText
    start: date
    end: date
    city: MultilingualText
    course_country: str
    hours: Decimal
    total_hours: Decimal
    issued_on: date
    number: str
    verify_url: str = ""
    full_hours: bool = True
    native_name: str = ""
    position: str = ""
    organisation: str = ""
    country: str = ""
    arrangement: str | None = None
    overrides: dict[str, MultilingualText] = field(default_factory=dict)
    issue_place: MultilingualText = field(default_factory=MultilingualText)
    logos: list[Logo] = field(default_factory=list)
    # (name, signature image URL, title) of each signatory
    signatories: list[tuple[str, str | None, MultilingualText]] = field(default_factory=list)
    status: str = "valid"
    layout: str = "default"
    pdfa: bool = False
    native_digits: bool = False  # dates, hours and number in Thai, Lao, Khmer, Myanmar numerals


def facts(certificate, verify_url: str = "") -> Facts:
    """Read what ``certificate`` says from its registration, course and certificate settings."""
    registration = certificate.registration
    course = registration.course
    settings = course.certificate_settings
    issued = certificate.issued_at
    languages = certificate_languages(settings, certificate.second_language)
    found = Facts(
        languages=languages,
        name=registration.certificate_name or registration.full_name,
        native_name=registration.native_name, position=registration.position,
        organisation=registration.organisation or _ministry_name(registration, languages[0]),
        country=registration.country, course_title=course.title, start=course.start_date,
        end=course.end_date, city=course.city, course_country=course.country,
        hours=certificate.hours, total_hours=course.contact_hours,
        full_hours=certificate.full_hours, number=certificate.number, verify_url=verify_url,
        issued_on=local_date(course, issued) if issued else course_today(course),
        logos=[_logo(link, languages[0]) for link in sorted(
            course.organisation_links, key=lambda link: (link.role != "organiser", link.position))],
        status=certificate.status)
    if settings is not None:
        layout = load_layout(settings.layout or "default")
        found.layout, found.pdfa = layout.name, settings.pdfa
        found.native_digits = bool(settings.native_digits)
        found.arrangement, found.issue_place = settings.arrangement, settings.issue_place
        found.overrides = {key: getattr(settings, spec.setting)
                           for key, spec in layout.fields.items()
                           if spec.setting and spec.type == "multilingual"}
        found.signatories = [(getattr(settings, f"signatory{n}_name"),
                              _logo_url(getattr(settings, f"signatory{n}_image")),
                              getattr(settings, f"signatory{n}_title")) for n in (1, 2)]
    return found


def _logo(link, language: str) -> Logo:
    organisation = link.organisation
    return Logo(link.role, _logo_url(organisation.logo),
                _text(organisation.acronym or organisation.name.localize(language).text))


def _logo_url(name: str | None) -> str | None:
    """An uploaded image (logo, signature) as the PDF fetcher serves it (None for an SVG
    stored before SVG was refused: the certificate prints the name instead)."""
    name = logos.shown_image(name)
    return resource_url("organisations.logo", name=name) if name else None


def _ministry_name(registration, language: str) -> str:
    from ..reference import ministries

    found = [m for m in ministries(registration.country) if m.code == registration.ministry]
    return found[0].name.localize(language).text if found else ""


def certificate_context(certificate, verify_url: str = "") -> dict:
    """The template context of one certificate (plain text, safe to hand to a layout)."""
    found = facts(certificate, verify_url)
    return build_context(load_layout(found.layout), found)


def build_context(layout: Layout, f: Facts) -> dict:
    """Turn facts into what a layout template sees: phrases as cells per language."""
    languages = f.languages

    def digits(text: str, language: str) -> str:
        return native_digits(text, language) if f.native_digits else text

    def cells(text: MultilingualText, values=lambda language: {}, neutral: str = "") -> list[Cell]:
        """The text in each of the certificate's languages, in order. A language without its
        own text says the ``neutral`` pattern, or is left out (it would repeat another's);
        when no language has its own, the first gets what there is (e.g. English)."""
        found = []
        for language in languages:
            own = text.localize(language)
            words = neutral if own.fallback or not own.text else own.text
            text_here = _clean(fill(words, **values(language)), 500) if words else ""
            if text_here and all(text_here != cell.text for cell in found):
                found.append(Cell(language, text_here))
        if not found:
            first = text.localize(languages[0], languages[1:])
            if first.text:
                found.append(Cell(first.language,
                                  _clean(fill(first.text, **values(first.language)), 500)))
        return found

    def wording(key: str) -> MultilingualText:
        return layout.wording(key, f.overrides.get(key))

    def neutral(key: str) -> str:
        return layout.fields[key].neutral if key in layout.fields else ""

    def place(language: str) -> str:
        return ", ".join(part for part in (f.city.localize(language).text,
                                           country_name(f.course_country, language)) if part)

    def held(language: str) -> dict:
        return {"dates": digits(format_days(f.start, f.end, language), language),
                "place": place(language)}

    def hours(language: str) -> dict:
        return {"hours": digits(_number(f.hours, language), language),
                "total": digits(_number(f.total_hours, language), language)}

    def issued(language: str) -> dict:
        where = f.issue_place.localize(language, languages).text or f.city.localize(language).text
        return {"place": where, "date": digits(format_day(f.issued_on, language), language)}

    country = MultilingualText({lang: country_name(f.country, lang) for lang in languages}) \
        if f.country else MultilingualText()
    choice = layout.fields.get("arrangement")
    arrangement = f.arrangement if choice and f.arrangement in choice.choices else \
        (choice.default if choice else "side_by_side")
    def latin(value: Text) -> Text:
        """Latin text on a page in another script is tagged so, for Latin fonts and lines."""
        return Text(value.text, "und-Latn") if value.text and not value.lang and not page_latin \
            else value

    page_latin = writes_latin(languages[0])
    name = latin(_text(f.name, NAME_LIMIT))
    native = latin(_text(f.native_name, NAME_LIMIT))
    number = _clean(f.number, 60)
    numbers = list({digits(number, language): Cell(language, digits(number, language))
                    for language in languages}.values()) if number else []
    signatories = [Signatory(latin(_text(who)), image, cells(title))
                   for who, image, title in f.signatories[:2]]
    signatories += [Signatory(Text("", ""), None, [])] * (2 - len(signatories))
    return {
        "languages": list(languages),
        "arrangement": arrangement,
        "t": Phrases({
            "title": lambda: cells(wording("title")),
            "certify": lambda: cells(wording("certify")),
            "participated": lambda: cells(wording("participated")),
            "course": lambda: cells(f.course_title),
            "country": lambda: cells(country),
            "held": lambda: cells(wording("held"), held, neutral("held")),
            "hours": lambda: cells(wording("hours" if f.full_hours else "hours_partial"), hours),
            "issued": lambda: cells(wording("issued"), issued, neutral("issued")),
            "number": lambda: cells(wording("number")),
            "verify": lambda: cells(wording("verify")),
        }),
        "name": name,
        "native_name": native if native.text and native.text != name.text else Text("", ""),
        "name_size": "normal" if len(name.text) <= 40 else "long" if len(name.text) <= 90
        else "very-long",  # for layouts that size the name by its length (not the default)
        "affiliation": [latin(part) for part in (_text(f.position, 200),
                                                 _text(f.organisation, 300)) if part.text],
        "logos": [logo._replace(label=latin(logo.label)) for logo in f.logos],
        "signatories": signatories,
        "number": number,
        "numbers": numbers,  # the number as each language writes its digits (once if alike)
        "fit": Fit(),  # each region's shrink level (app/certificates/fitting.py)
        "verify_url": f.verify_url,
        "qr": qr_data_uri(f.verify_url) if f.verify_url else "",
        "status": f.status,
    }


class Phrases(Mapping):
    """A certificate's phrases, each worked out when the template first uses it (a print
    run's person layer uses only a few)."""

    def __init__(self, makers: dict):
        self._makers, self._done = makers, {}

    def __getitem__(self, key: str) -> list[Cell]:
        if key not in self._done:
            self._done[key] = self._makers[key]()
        return self._done[key]

    def __iter__(self):
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def sample_context(layout: Layout, language: str, settings=None) -> dict:
    """A certificate in ``language`` with made-up facts, to check a layout or preview it."""
    overrides = {key: getattr(settings, spec.setting) for key, spec in layout.fields.items()
                 if settings is not None and spec.setting and spec.type == "multilingual"}
    native = {"th": "สมหญิง ใจดี", "km": "សុខ ចាន់ធីតា", "lo": "ບົວສອນ ພົມມະວົງ",
              "my": "ခင်မာအေး", "vi": "Nguyễn Thị Hà"}.get(language, "")
    return build_context(layout, Facts(
        languages=tuple(dict.fromkeys(["en", language])), name="Sample Participant",
        native_name=native, position="Programme officer", organisation="Ministry of Health",
        country="ID", course_title=MultilingualText(en="Sample course"), start=date(2025, 4, 9),
        end=date(2025, 4, 11), city=MultilingualText(en="Jakarta"), course_country="ID",
        hours=Decimal("20"), total_hours=Decimal("20"), issued_on=date(2025, 4, 11),
        number="SAMPLE-0001", verify_url="https://lokakarya.invalid/verify/sample",
        overrides=overrides, signatories=[("Signatory One", None, MultilingualText(en="Director"))],
        arrangement=getattr(settings, "arrangement", None)))


def _number(value: Decimal, language: str) -> str:
    return format_decimal(value, "#,##0.#", locale=babel_locale(language))


# Text we print: C0/C1 controls and bidi overrides become spaces; characters no font draws go.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _clean(text: str | None, limit: int = 200) -> str:
    text = " ".join(drawable(_CONTROLS.sub(" ", unicodedata.normalize("NFC", text or ""))).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _text(value: str | None, limit: int = 200) -> Text:
    text = _clean(value, limit)
    language = script_language(text)
    return Text(text, "" if language == "und" else language)


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as a PNG ``data:`` URI, one pixel a module: the layout scales it up
    without smoothing (``image-rendering: pixelated``), so it prints sharp. An SVG would be
    sharp too, but WeasyPrint parses and draws its path again on every page (~10 ms)."""
    return segno.make(url, error="m").png_data_uri(scale=1, border=0)


# --- Rendering ------------------------------------------------------------------------------

def render_certificate(certificate, *, verify_url: str | None = None) -> bytes:
    """One certificate as PDF bytes (PDF/A-3b if its course's settings ask for it); its QR code
    points at ``verify_url``, by default the verification page on BASE_URL."""
    if verify_url is None:
        verify_url = links.verify_url(certificate)
    return render_facts([facts(certificate, verify_url)])


def render_many(certificates, verify_url_for=links.verify_url) -> bytes:
    """Many certificates as ONE PDF (one page each, in order): the print file."""
    return render_facts([facts(c, verify_url_for(c)) for c in certificates])


def render_facts(found: list[Facts]) -> bytes:
    """Certificates from their facts as one PDF, laid out as one document."""
    pages = render_pages(found)
    merged = pages[0][0].copy([page for _document, doc_pages in pages for page in doc_pages])
    return write_document(merged, **pdf_options(found))


def render_each(certificates, verify_url_for=links.verify_url) -> list[bytes]:
    """One PDF per certificate: laid out and written together, then split (fast for a few;
    for a whole course use :func:`render_batch`)."""
    found = [facts(c, verify_url_for(c)) for c in certificates]
    pages = render_pages(found)
    document = pages[0][0].copy([page for _document, doc_pages in pages for page in doc_pages])
    title = document.metadata.title or "Certificate"
    return split_pages(write_document(document, **pdf_options(found)),
                       [len(doc_pages) for _document, doc_pages in pages],
                       [f"{title} – {one.name}" for one in found])


def render_pages(found: list[Facts], cache: dict | None = None) -> list[tuple[object, list]]:
    """Lay out certificates; return (document, its pages) per certificate, in order.

    Certificates sharing a layout are laid out as one document, one page each; those with
    text too long for its box again, that text smaller (:mod:`.fitting`). A layout that spills
    a certificate over two pages is laid out again one certificate at a time.
    """
    cache = {} if cache is None else cache
    result: list = [None] * len(found)
    groups: dict[str, list[int]] = {}
    for index, one in enumerate(found):
        groups.setdefault(one.layout, []).append(index)
    for name, indexes in groups.items():
        layout = load_layout(name)
        contexts = [build_context(layout, found[i]) for i in indexes]
        placed = fit_pages(lambda some: _layout_document(layout, some, cache), contexts)
        if placed is not None:
            for i, (document, page) in zip(indexes, placed):
                result[i] = (document, [page])
        else:
            for i, context in zip(indexes, contexts):
                alone = _layout_document(layout, [context], cache)
                result[i] = (alone, alone.pages)
    return result


def _layout_document(layout: Layout, contexts: list[dict], cache: dict, layer: str = "page"):
    return render_document(layout.render(contexts, layer), css=layout.css, cache=cache)


def pdf_options(found: list[Facts]) -> dict:
    """WeasyPrint options: PDF/A-3b (archival) when the course's settings ask for it."""
    return {"pdf_variant": "pdf/a-3b"} if found and found[0].pdfa else {}

