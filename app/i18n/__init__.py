"""Interface language: choosing it per request, translating, formatting."""
from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import support
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, force_locale, format_decimal, get_locale, lazy_gettext, \
    refresh
from flask_babel import gettext as _  # noqa: F401 - re-exported for features
from flask_login import current_user
from markupsafe import Markup

from ..paths import ROOT
from .languages import LANGUAGES, babel_locale, endonym, language_name, normalise
from . import multilingual
from .multilingual import Localized, MultilingualText

_l = lazy_gettext
TRANSLATIONS = ROOT / "translations"


class LanguageDomain(Domain):
    """A gettext domain keyed by interface language, so Tetum loads its own catalogue."""

    def get_translations(self):
        language = current_language()
        key = (language, self.domain[0])
        if key not in self.cache:
            try:
                translations = support.Translations.load(str(TRANSLATIONS), [language],
                                                         self.domain[0])
            except (OSError, ValueError, UnicodeDecodeError) as error:
                # A broken catalogue must not break pages: they show the English source.
                current_app.logger.error("Catalogue %s/%s cannot be read: %s", language,
                                         self.domain[0], error)
                translations = support.NullTranslations()
            self.cache[key] = translations
        return self.cache[key]


messages = LanguageDomain(str(TRANSLATIONS), domain="messages")


class LanguageBabel(Babel):
    """Flask-Babel, translating through :data:`messages` instead of a locale-keyed domain."""

    @property
    def domain_instance(self):
        return messages


babel = LanguageBabel()


def isolate(text, lang: str | None = None) -> Markup:
    """Text someone typed (a name, a title), escaped, in a ``<bdi>``: a right-to-left name, a
    right-to-left override or a name ending in punctuation then cannot reorder what follows it
    on the page or in a PDF (WeasyPrint isolates ``<bdi>`` too). Nothing for empty text."""
    if text is None or str(text) == "":
        return Markup("")
    if lang:
        return Markup('<bdi lang="{}">{}</bdi>').format(lang, text)
    return Markup("<bdi>{}</bdi>").format(text)


def configure(app: Flask) -> None:
    """Wire Flask-Babel to the language chooser and expose helpers to templates."""
    babel.init_app(
        app,
        locale_selector=lambda: babel_locale(current_language()),
        default_translation_directories=str(TRANSLATIONS),
    )
    app.before_request(_forget_language)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters.update(tr=localize, date_range=format_date_range, bdi=isolate)
    # country_name (app.reference, which uses this package) is added by register_features
    app.jinja_env.globals.update(format_decimal=format_decimal, timezone_label=timezone_label)
    app.context_processor(lambda: {
        "current_language": current_language(),
        "languages": LANGUAGES,
        "endonym": endonym,
        "language_name": lambda code: language_name(code, current_language()),
        "lang_url": lang_url,
    })


multilingual.reader_language = lambda: current_language()  # MultilingualText's str() reads it


def lang_url(language: str) -> str:
    """This page's address in ``language``, keeping the other query arguments."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [language]
    return request.path + "?" + urlencode(args, doseq=True)


def current_language() -> str:
    """Return the interface language of this request (cached on ``g``)."""
    if has_app_context() and g.get("_language"):
        return g._language
    if not has_request_context():
        return "en"
    if "language" not in g:
        g.language = choose_language()
    return g.language


def _forget_language() -> None:
    """Choose afresh per request, even where requests share an app context (tests, CLI)."""
    g.pop("language", None)
    refresh()


def choose_language() -> str:
    """The language rule, applied to this request (see :func:`language_rule`)."""
    asked = request.args.get("lang")
    if normalise(asked):
        session["lang"] = normalise(asked)
        session.permanent = True  # remembered across browser restarts, not just this visit
    staff = getattr(current_user, "language", None) if current_user else None
    return language_rule(asked=asked, remembered=session.get("lang"),
                         participant=g.get("participant_language"), staff=staff,
                         course=g.get("course_language"),
                         browser=[value for value, _quality in request.accept_languages])


def language_rule(*, asked=None, remembered=None, participant=None, staff=None, course=None,
                  browser=()) -> str:
    """The one rule for the language a page is in, first that is a supported language wins:

    the reader's explicit ``?lang=`` choice, then their remembered one; on a participant's own
    pages, the language they chose at registration; for signed-in staff, their preference; on a
    course's pages, its working language; the browser's languages; English.
    """
    for candidate in (asked, remembered, participant, staff, course, *browser):
        language = normalise(candidate)
        if language:
            return language
    return "en"


def page_for(*, participant=None, course=None) -> None:
    """Say whose page this request shows, so :func:`language_rule` can speak to them: a
    participant's own page (their registration) or a course's public page."""
    if participant is not None:
        g.participant_language = participant.language
        course = course or participant.course
    if course is not None:
        g.course_language = course.working_language
    if "language" in g:  # chosen already (e.g. by a loader's message): choose again
        g.pop("language")
        refresh()


class use_language:
    """Context manager: translate and format in ``language`` (e.g. for an email)."""

    def __init__(self, language: str):
        self.language = normalise(language) or "en"

    def __enter__(self):
        self._previous = getattr(g, "_language", None)
        g._language = self.language
        self._forced = force_locale(babel_locale(self.language))
        self._forced.__enter__()
        return self

    def __exit__(self, *exc):
        self._forced.__exit__(*exc)
        g._language = self._previous


def localize(text, *fallbacks: str) -> Localized:
    """Pick the reader's language from a multilingual text (Jinja filter ``tr``)."""
    if not isinstance(text, MultilingualText):
        text = MultilingualText(text or {})
    return text.localize(current_language(), fallbacks)


def timezone_label(zone: str) -> str:
    """Name a time zone for readers, e.g. "Western Indonesia Time (Asia/Jakarta)"."""
    locale = get_locale() or babel_locale(current_language())
    try:
        name = babel_dates.get_timezone_name(ZoneInfo(zone), locale=locale)
    except (LookupError, ValueError):
        return zone
    return f"{name} ({zone})"


def format_date_range(start: date, end: date, skeleton: str = "yMMMd") -> str:
    """Format a course's dates as one range in the reader's locale, e.g. "9–11 Apr 2025"."""
    locale = get_locale() or babel_locale(current_language())
    if start == end:
        return babel_dates.format_skeleton(skeleton, start, locale=locale)
    return babel_dates.format_interval(start, end, skeleton, locale=locale)
