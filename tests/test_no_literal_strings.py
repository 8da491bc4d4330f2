"""Every user-facing string goes through gettext: no words typed straight into a template's text or
a few attributes a reader sees or hears, nor into the Python calls that show text to people
(flash messages, form labels and errors, refusals). Exceptions are listed, with the reason."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "templates").rglob("*.txt"))
SOURCES = sorted((ROOT / "app").rglob("*.py"))

# Words that are the same in every language here: names, codes, units and formats.
NOT_WORDS = {"Lokakarya", "PDF", "XLSX", "CSV", "ZIP", "QR", "iCal", "ICS", "SVG", "ASEAN", "WPS",
             "RPA", "NAP", "UPR", "SDG", "ID", "URL", "API", "JSON", "EN", "UTC", "Email", "M"}
SHOWN_ATTRIBUTES = re.compile(r'\b(?:title|alt|aria-label|placeholder)="([^"{]*)"')
WORD = re.compile(r"[^\W\d_]{2,}")
# Calls that show one of their arguments (by position) to a person. Not here: LayoutError and
# the toolkit checker's problems, written for the authors of layout and module files, in English
# like the command line that reports them.
SHOWING = {"flash": 0, "ValidationError": 0, "StopValidation": 0, "SaveRefused": 0,
           "ExerciseRefused": 0, "AgendaRejected": 1, "LoginRefused": 0, "RegistrationRefused": 0,
           "ImportRefused": 0}
FIELDS = re.compile(r"^(String|TextArea|Select|SelectMultiple|Integer|Decimal|Date|Time|DateTime|"
                    r"Boolean|Email|Password|File|Radio|Submit|Hidden|Localized|LocalDecimal|"
                    r"Multilingual|Search|Tel|URL)\w*Field$")


def template_words(path: Path) -> list[str]:
    """The words in a template's literal text (outside tags and Jinja) and in shown attributes."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"\{%-?\s*trans\b.*?endtrans\s*-?%\}", " ", text, flags=re.S)  # gettext blocks
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"<!--.*?-->|<(script|style|code)\b.*?</\1>", " ", text, flags=re.S)
    found = [value.strip() for tag in re.findall(r"<[^>]*>", text)
             for value in SHOWN_ATTRIBUTES.findall(tag) if WORD.search(value)]
    text = re.sub(r"<[^>]*>|&\w+;|&#\d+;", " ", text)
    return found + [word for word in WORD.findall(text) if word not in NOT_WORDS]


def python_literals(path: Path) -> list[str]:
    """Plain strings handed to calls that show them to people."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name = call.func.attr if isinstance(call.func, ast.Attribute) else \
            call.func.id if isinstance(call.func, ast.Name) else ""
        texts = []
        if name in SHOWING and len(call.args) > SHOWING[name]:
            texts.append(call.args[SHOWING[name]])
        if FIELDS.match(name):
            texts += call.args[:1] + [k.value for k in call.keywords if k.arg in ("label", "description")]
        for text in texts:
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and \
                    WORD.search(text.value) and text.value not in NOT_WORDS:
                found.append(f"{name}({text.value!r}) line {call.lineno}")
            if isinstance(text, ast.JoinedStr):
                found.append(f"{name}(f-string) line {call.lineno}")
    return found


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_say_nothing_outside_gettext(path):
    assert template_words(path) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT / "app")))
def test_python_shows_nothing_outside_gettext(path):
    assert python_literals(path) == []


def test_the_scanners_find_literals(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<p>{{ _("Fine") }}</p><p>Save changes</p><img alt="Logo of the course" src="x">'
                    '{% if x %}<b title="Close">x</b>{% endif %}', encoding="utf-8")
    assert template_words(page) == ["Logo of the course", "Close", "Save", "changes"]
    code = tmp_path / "views.py"
    code.write_text('flash("Saved.")\nflash(_("Saved."))\nname = StringField("Name")\n'
                    'raise SaveRefused(f"No {x}")\n', encoding="utf-8")
    assert python_literals(code) == ["flash('Saved.') line 1", "StringField('Name') line 3",
                                     "SaveRefused(f-string) line 4"]
