"""The knowledge test and the evaluation surveys, defined as data in
``toolkit_modules/questionnaires/`` (see the "Questionnaires" part of
``toolkit_modules/README.md``).

Their questions are toolkit fields: read and checked by :func:`app.toolkit.modules.read_fields`,
drawn and read back by :func:`app.toolkit.forms.build` and :func:`app.toolkit.forms.read`, and
translated through the toolkit's gettext domain (:func:`app.toolkit.translate`). A knowledge
question is a ``choice`` with a ``correct`` option, or a ``true_false`` (a choice of True and
False); a survey asks ``scale`` questions (1 strongly disagree … 5 strongly agree),
``choice`` and open ``text`` or ``long_text`` questions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..toolkit.fields import FieldSpec
from ..toolkit.modules import FOLDER as MODULES, Problem, read_fields, relative

FOLDER = MODULES / "questionnaires"
FILES = {"knowledge": "knowledge-test.yaml", "day": "evaluation-day.yaml",
         "course": "evaluation-course.yaml"}
TOP_KEYS = {"key", "title", "help", "questions"}
KNOWLEDGE_TYPES = {"choice", "true_false"}
SURVEY_TYPES = {"scale", "choice", "text", "long_text"}
TRUE_FALSE = [{"value": "true", "label": "True"}, {"value": "false", "label": "False"}]


@dataclass
class Questionnaire:
    """A knowledge test or a survey: its questions are toolkit fields (strings in English:
    translate them with :func:`app.toolkit.translate`). Shaped like a toolkit module where
    :mod:`app.toolkit.forms` needs it (``key``, ``fields``, ``tables``)."""

    key: str  # knowledge, day or course
    title: str
    help: str
    fields: list[FieldSpec]
    correct: dict[str, str] = field(default_factory=dict)  # knowledge: question name → option value
    path: Path | None = None

    def tables(self) -> list[FieldSpec]:
        return []

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    def score(self, answers: dict) -> int:
        """How many questions ``answers`` gets right."""
        return sum(1 for name, value in self.correct.items() if answers.get(name) == value)

    def __repr__(self) -> str:
        return f"<Questionnaire {self.key}>"


def load(path: Path, key: str) -> tuple[Questionnaire | None, list[Problem]]:
    """One questionnaire file: the questionnaire, or None and what is wrong with it."""
    where = relative(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return None, [Problem(where, "", f"cannot be read as YAML ({error})")]
    if not isinstance(raw, dict):
        return None, [Problem(where, "", "must be a mapping of key, title, help and questions")]
    problems = [Problem(where, name, "unknown key (allowed: " + ", ".join(sorted(TOP_KEYS)) + ")")
                for name in raw if name not in TOP_KEYS]
    if raw.get("key") != key:
        problems.append(Problem(where, "key", f"must be {key}"))
    for name in ("title", "help"):
        if not (isinstance(raw.get(name), str) and raw[name].strip()):
            problems.append(Problem(where, name, "is missing or empty"))
    questions = raw.get("questions")
    if not isinstance(questions, list) or not questions:
        return None, [*problems, Problem(where, "questions", "must be a non-empty list")]
    allowed = KNOWLEDGE_TYPES if key == "knowledge" else SURVEY_TYPES
    items, correct = [], {}
    for number, item in enumerate(questions, 1):
        label = f"questions[{number}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, label, "must be a mapping with name, type and label"))
            continue
        item = dict(item)
        kind = item.get("type")
        if kind not in allowed:
            problems.append(Problem(where, label, f"type {kind!r} is not one of {', '.join(sorted(allowed))}"))
            continue
        if key == "knowledge":
            answer = item.pop("correct", None)
            if kind == "true_false":
                if not isinstance(answer, bool):
                    problems.append(Problem(where, label, "correct must be true or false"))
                    continue
                item.update(type="choice", options=TRUE_FALSE)
                answer = "true" if answer else "false"
            elif answer not in {option.get("value") for option in item.get("options") or ()
                                if isinstance(option, dict)}:
                problems.append(Problem(where, label, "correct must be the value of one of its options"))
                continue
            item["required"] = True
            correct[str(item.get("name"))] = answer
        elif "correct" in item:
            problems.append(Problem(where, label, "only knowledge-test questions have a correct answer"))
            continue
        items.append(item)
    fields = read_fields(items, "questions", where, problems, top=True)
    if problems:
        return None, problems
    return Questionnaire(key=key, title=raw["title"].strip(), help=raw["help"].strip(),
                         fields=fields, correct=correct, path=path), []


def load_all(folder: Path = FOLDER) -> tuple[dict[str, Questionnaire], list[Problem]]:
    """The knowledge test and the two surveys, and the problems of any that is not valid."""
    found, problems = {}, []
    for key, name in FILES.items():
        path = folder / name
        if not path.exists():
            problems.append(Problem(relative(path), "", "is missing"))
            continue
        questionnaire, wrong = load(path, key)
        problems.extend(wrong)
        if questionnaire:
            found[key] = questionnaire
    return found, problems


_cache: dict[str, dict[str, Questionnaire]] = {}


def questionnaires() -> dict[str, Questionnaire]:
    """The valid questionnaires, loaded once per process (an invalid file is left out)."""
    if "all" not in _cache:
        _cache["all"] = load_all()[0]
    return _cache["all"]


def get(key: str) -> Questionnaire | None:
    """``knowledge``, ``day`` or ``course``."""
    return questionnaires().get(key)
