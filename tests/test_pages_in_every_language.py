"""Every public and participant page of the demo, in each of the eleven interface languages: the
page says which language it is in, and none of its visible text is an English sentence from the
catalogues' sources (a string the code wrapped in gettext, or a toolkit label or help text)."""
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from app.certificates.models import Certificate
from app.i18n.catalogs import catalog_path
from app.i18n.languages import LANGUAGES
from helpers import team_sheet

SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a reader sees or hears in the page's language: element text and a few
    attributes, not scripts, nor what is marked as another language (organiser-written text
    shown in the course's language when it has no translation carries its own ``lang``)."""

    def __init__(self, language: str):
        super().__init__()
        self.language, self.parts, self.open = language, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        foreign = tag in ("script", "style", "template") or \
            attrs.get("lang", self.language) != self.language and tag != "html"
        if not self.hiding():
            self.parts.extend(attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name))
        if tag not in VOID:
            self.open.append((tag, foreign))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def hiding(self) -> bool:
        return any(foreign for _tag, foreign in self.open)

    def handle_data(self, data):
        if not self.hiding():
            self.parts.append(data)


def visible_text(page: str, language: str) -> str:
    parser = VisibleText(language)
    parser.feed(page)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def sentences(domain: str, language: str) -> list[re.Pattern]:
    """The catalogue's English sentences (four words or more) as patterns, placeholders as
    wildcards, leaving out those the language writes the same as English, and the toolkit's
    worked examples (a team may type the same words as its answers)."""
    with open(catalog_path(language, domain), "rb") as fh:
        catalog = read_po(fh, locale=language)
    found = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not ids[0] or any(" example" in comment for comment in message.auto_comments):
            continue
        for source in ids:
            words = PLACEHOLDER.sub(" ", source).split()
            if len(words) < 4 or source in strings:
                continue
            parts = [re.escape(" ".join(part.split())) for part in PLACEHOLDER.split(source)]
            found.append(re.compile(r"\b" + ".{1,80}?".join(parts).replace(r"\ ", r"\s+")))
    return found


@pytest.fixture
def demo(demo_course, db):
    course = demo_course
    member, _sheet = team_sheet(course)
    code = db.session.scalar(sa.select(Certificate.code).where(Certificate.registration_id == member.id))
    slug, token = course.slug, member.token
    return [
        "/", f"/courses/{slug}/", f"/courses/{slug}/register", f"/courses/{slug}/agenda",
        f"/verify/{code}", "/toolkit/", "/toolkit/M11", "/toolkit/M4", "/login",
        f"/p/{token}/", f"/p/{token}/worksheets/", f"/p/{token}/worksheets/M11",
        f"/p/{token}/worksheets/M4", f"/p/{token}/worksheets/M11/history",
    ]


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_public_and_participant_pages_have_no_english_left(client, demo, language):
    patterns = sentences("messages", language) + sentences("toolkit", language)
    leftovers = {}
    for url in demo:
        response = client.get(url, query_string={"lang": language})
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert f'<html lang="{language}"' in page, url
        text = visible_text(page, language)
        found = sorted({match.group(0) for pattern in patterns for match in [pattern.search(text)]
                        if match})
        if found:
            leftovers[url] = found
    assert leftovers == {}


def test_english_pages_do_show_the_sources(client, demo):
    """The check above can find English: on the English pages it finds plenty."""
    patterns = sentences("messages", "vi") + sentences("toolkit", "vi")
    found = set()
    for url in demo:
        text = visible_text(client.get(url, query_string={"lang": "en"}).get_data(as_text=True), "en")
        found |= {pattern.pattern for pattern in patterns if pattern.search(text)}
    assert len(found) >= 40
