"""Loading and checking the toolkit modules in ``toolkit_modules/``.

Each module is a folder with a ``module.yaml`` (see ``toolkit_modules/README.md``). Every file
is checked against the field types of :mod:`app.toolkit.fields`; a module with problems is
left out and reported, naming the file and the field, while the others load.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..paths import ROOT
from .fields import NAME, REGISTRY, RESERVED, RESERVED_COLUMNS, FieldSpec
from .formulas import formula_names

FOLDER = ROOT / "toolkit_modules"
KEY = re.compile(r"M[1-9][0-9]?")
TOP_KEYS = {"key", "title", "purpose", "help", "page", "figure", "fields", "example"}
FIGURES = ("power_interest", "problem_tree", "results_hierarchy", "indicator_sheets", "data_matrix",
           "gantt", "org_chart", "cost_table", "cascade", "upr_matrix", "action_plan", "none")
log = logging.getLogger(__name__)


@dataclass
class Module:
    """One exercise of the toolkit, as its file defines it (strings in English: translate
    them with :func:`app.toolkit.translate`)."""

    key: str
    title: str
    purpose: str
    help: str
    page: str
    figure: str
    fields: list[FieldSpec]
    example: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def number(self) -> int:
        return int(self.key[1:])

    @property
    def folder(self) -> str:
        return self.path.parent.name if self.path else self.key.lower()

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    def tables(self) -> list[FieldSpec]:
        return [spec for spec in self.fields if spec.type.name == "table"]

    def references(self) -> set[str]:
        """The "M3.results" keys this module draws choices from."""
        found = set()
        for spec in self.fields:
            for column in [spec, *spec.columns]:
                if column.type.name == "reference":
                    found.add(column.type.key(column))
        return found

    def __repr__(self) -> str:
        return f"<Module {self.key} {self.folder}>"


@dataclass
class Problem:
    path: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: {self.message}" if self.where else f"{self.path}: {self.message}"


def load_all(folder: Path = FOLDER) -> tuple[dict[str, Module], list[Problem]]:
    """Every valid module by key, in number order, and the problems of the others."""
    modules, problems = {}, []
    for path in sorted(folder.glob("*/module.yaml")):
        try:
            module, found = load(path)
        except Exception as error:  # noqa: BLE001 - a file we did not foresee must not stop the rest
            module, found = None, [Problem(relative(path), "", f"could not be checked ({type(error).__name__}: "
                                           f"{error}); compare it with m01-stakeholder-map")]
        if module and module.key in modules:
            found.append(Problem(relative(path), "key", f"{module.key} is also used by "
                                 f"{relative(modules[module.key].path)}"))
        if found:
            problems.extend(found)
        elif module:
            modules[module.key] = module
    # A reference to a module that is missing is reported, but the module still loads: its
    # field then takes free text, and sheets already filled stay reachable.
    problems.extend(_check_references(modules))
    return dict(sorted(modules.items(), key=lambda item: item[1].number)), problems


def relative(path: Path | None) -> str:
    try:
        return str(path.relative_to(ROOT))
    except (ValueError, AttributeError):
        return str(path)


def load(path: Path) -> tuple[Module | None, list[Problem]]:
    """One module file: the module, or None and what is wrong with it."""
    where = relative(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(where, "", f"cannot be read ({error})")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        return None, [Problem(where, "", f"is not valid YAML{line}: {getattr(error, 'problem', error)}")]
    if not isinstance(raw, dict):
        return None, [Problem(where, "", "must be a mapping of key, title, purpose, help, fields…")]
    problems = [Problem(where, key, "unknown key (allowed: " + ", ".join(sorted(TOP_KEYS)) + ")")
                for key in raw if key not in TOP_KEYS]
    key = raw.get("key")
    if not (isinstance(key, str) and KEY.fullmatch(key)):
        problems.append(Problem(where, "key", "must be M followed by a number, e.g. M12"))
    for name in ("title", "purpose", "help"):
        if not (isinstance(raw.get(name), str) and raw[name].strip()):
            problems.append(Problem(where, name, "is missing or empty"))
    if raw.get("page", "portrait") not in ("portrait", "landscape"):
        problems.append(Problem(where, "page", "must be portrait or landscape"))
    if raw.get("figure", "none") not in FIGURES:
        problems.append(Problem(where, "figure", f"{raw.get('figure')!r} is not one of "
                                f"{', '.join(FIGURES)}"))
    fields = read_fields(raw.get("fields"), "fields", where, problems, top=True)
    if problems:
        return None, problems
    module = Module(key=key, title=raw["title"].strip(), purpose=raw["purpose"].strip(),
                    help=raw["help"].strip(), page=raw.get("page", "portrait"),
                    figure=raw.get("figure", "none"), fields=fields, path=path)
    problems.extend(_check_formulas(module, where))
    example = raw.get("example") or {}
    problems.extend(_check_example(module, example, where))
    module.example = example
    return (None if problems else module), problems


def read_fields(raw, where: str, path: str, problems: list, top: bool) -> list[FieldSpec]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(path, where, "must be a non-empty list of fields"))
        return []
    specs, seen = [], set()
    for number, item in enumerate(raw, 1):
        name = item.get("name") if isinstance(item, dict) else None
        label = f"{where}[{number}]" + (f" ({name})" if isinstance(name, str) else "")
        if not isinstance(item, dict):
            problems.append(Problem(path, label, "must be a mapping with name, type and label"))
            continue
        reserved = RESERVED if top else RESERVED_COLUMNS
        if not (isinstance(name, str) and NAME.fullmatch(name)) or name in reserved:
            problems.append(Problem(path, label, "name must be lower_snake_case (a–z, 0–9, _), "
                                    "at most 40 characters, and not " + ", ".join(sorted(reserved))))
            continue
        if name in seen:
            problems.append(Problem(path, label, f"name {name!r} is used twice"))
            continue
        seen.add(name)
        kind = REGISTRY.get(item.get("type")) if isinstance(item.get("type"), str) else None
        if kind is None:
            problems.append(Problem(path, label, f"type {item.get('type')!r} is not one of "
                                    f"{', '.join(sorted(REGISTRY))}"))
            continue
        if not top and not kind.in_table:
            problems.append(Problem(path, label, f"a {kind.name} cannot be a table column"))
            continue
        if not (isinstance(item.get("label"), str) and item["label"].strip()):
            problems.append(Problem(path, label, "label is missing"))
            continue
        if "help" in item and not isinstance(item["help"], str):
            problems.append(Problem(path, label, "help must be text"))
            continue
        found = [Problem(path, label, message.split(": ", 1)[1]) for message in kind.check(item, label)]
        problems.extend(found)
        if found:
            continue
        spec = kind.spec(item, item["label"].strip(), (item.get("help") or "").strip())
        if kind.name == "table":
            spec.columns = read_fields(item.get("columns"), f"{label}.columns", path, problems, top=False)
        specs.append(spec)
    return specs


def _check_formulas(module: Module, path: str) -> list[Problem]:
    problems = []
    top = {spec.name: spec for spec in module.fields}
    for spec in module.fields:
        scopes = [(spec, top)] + [(column, {c.name: c for c in spec.columns}) for column in spec.columns]
        for item, scope in scopes:
            if item.type.name == "computed":
                for name in formula_names(item.get("formula")):
                    table, _, column = name.partition(".")
                    if column:
                        ok = table in top and top[table].type.name == "table" and \
                            any(c.name == column for c in top[table].columns)
                    else:
                        ok = name in scope and scope[name].type.name in ("number", "money", "scale",
                                                                         "computed")
                    if not ok:
                        problems.append(Problem(path, item.name, f"formula uses {name!r}, which is not "
                                                "a number, amount or computed field beside it"))
            currency = item.get("currency_field")
            if currency and not (currency in top and top[currency].type.name == "choice"):
                problems.append(Problem(path, item.name, f"currency_field {currency!r} must name a "
                                        "choice field at the top of the module"))
    return problems


def _check_references(modules: dict[str, Module]) -> list[Problem]:
    problems = []
    for module in modules.values():
        for spec in module.fields:
            for column in [spec, *spec.columns]:
                if column.type.name != "reference":
                    continue
                target = modules.get(column.get("module"))
                table = target.field(column.get("field")) if target else None
                if not (table and table.type.name == "table" and
                        any(c.name == column.get("label_column") for c in table.columns)):
                    problems.append(Problem(relative(module.path), column.name, "refers to "
                                            f"{column.get('module')}.{column.get('field')}."
                                            f"{column.get('label_column')}, which no valid module has"))
    return problems


def _check_example(module: Module, example, path: str) -> list[Problem]:
    if not example:
        return []
    if not isinstance(example, dict) or set(example) - {"country", "answers"}:
        return [Problem(path, "example", "must have country and answers, nothing else")]
    from ..reference import is_country

    problems = []
    if example.get("country") and not is_country(example["country"]):
        problems.append(Problem(path, "example.country", f"{example['country']!r} is not a country code"))
    answers, country = example.get("answers") or {}, example.get("country") or ""
    if not isinstance(answers, dict):
        return [*problems, Problem(path, "example.answers", "must be a mapping of field names")]
    for name, value in answers.items():
        spec = module.field(name)
        if spec is None:
            problems.append(Problem(path, f"example.answers.{name}", "is not a field of the module"))
        elif spec.type.name == "table":
            if not isinstance(value, list):
                problems.append(Problem(path, f"example.answers.{name}", "must be a list of rows"))
                continue
            columns = {column.name: column for column in spec.columns}
            for number, row in enumerate(value, 1):
                if not isinstance(row, dict):
                    problems.append(Problem(path, f"example.answers.{name}[{number}]",
                                            "must be a mapping of column names to answers"))
                    continue
                for column, cell in row.items():
                    where = f"example.answers.{name}[{number}].{column}"
                    if column not in columns:
                        problems.append(Problem(path, where, "is not a column of the table"))
                    else:
                        problems.extend(Problem(path, where, m)
                                        for m in _check_value(columns[column], cell, country))
        else:
            problems.extend(Problem(path, f"example.answers.{name}", m)
                            for m in _check_value(spec, value, country))
    return problems


def _check_value(spec: FieldSpec, value, country: str = "") -> list[str]:
    kind = spec.type.name
    values = {v for v, _ in spec.options}
    if kind in ("choice", "multi_choice") and not isinstance(value, (str, list)):
        return [f"{value!r} must be an option value (or a list of them)"]
    if kind == "multi_choice" and not all(isinstance(item, str) for item in value):
        return [f"{value!r} must be a list of option values"]
    if spec.options_from and value not in ("", None):
        from .options import option_source

        values = {v for v, _ in option_source(spec.options_from, country)}
        if not (set(value) <= values if isinstance(value, list) else value in values):
            return [f"{value!r} is not one of the {spec.options_from} of {country or 'the example country'}"]
        return []
    if kind == "choice" and spec.options and value not in values:
        return [f"{value!r} is not one of the options"]
    if kind == "multi_choice" and spec.options and not (isinstance(value, list) and set(value) <= values):
        return [f"{value!r} must be a list of option values"]
    if kind in ("number", "scale") and not isinstance(value, (int, float)) or isinstance(value, bool):
        return [f"{value!r} is not a number"]
    if kind == "money" and not isinstance(value.get("amount") if isinstance(value, dict) else value,
                                          (int, float)):
        return [f"{value!r} is not an amount (a number, or amount and currency)"]
    if kind == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return [f"{value!r} is not a date written YYYY-MM-DD"]
    if kind in ("text", "long_text") and not isinstance(value, str):
        return [f"{value!r} is not text (put it in quotes)"]
    if kind == "computed":
        return ["is computed: leave it out of the example"]
    return []


_cache: dict[str, object] = {}


def modules() -> dict[str, Module]:
    """The valid modules (loaded once per process; problems are logged)."""
    if "modules" not in _cache:
        found, problems = load_all()
        for problem in problems:
            log.warning("toolkit module problem: %s", problem)
        _cache["modules"] = found
    return _cache["modules"]


def get(key: str) -> Module | None:
    return modules().get(key)
