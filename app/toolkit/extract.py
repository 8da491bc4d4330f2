"""A Babel extractor for toolkit module files, so translators get module strings in a
``toolkit.po`` like any other catalogue.

Registered as the ``lokakarya_toolkit`` entry point of ``babel.extractors`` (setup.cfg) and
used by ``babel-toolkit.cfg``. It yields each module's title, purpose, help, labels, help
texts, placeholders and option labels, and the text answers of its worked example; and the same
of the questionnaires (``toolkit_modules/questionnaires/*.yaml``: their ``questions``, and
"True" and "False" for true-or-false questions).
"""
from __future__ import annotations

import yaml

TRANSLATABLE = {"title", "purpose", "help", "label", "placeholder"}
TEXT_TYPES = {"text", "long_text", "reference"}


def extract(fileobj, keywords, comment_tags, options):
    """Babel's extraction-method interface: yield (line, funcname, message, comments)."""
    source = fileobj.read()
    if isinstance(source, bytes):
        source = source.decode(options.get("encoding", "utf-8"))
    try:
        root = yaml.compose(source)
    except yaml.YAMLError:
        return  # `flask --app app toolkit check` reports it
    if not isinstance(root, yaml.MappingNode):
        return
    top = _mapping(root)
    key = _scalar(top.get("key")) or "?"
    text_fields = set()
    fields = top.get("fields") if top.get("fields") is not None else top.get("questions")
    for node in _sequence(fields):
        yield from _field(node, key, text_fields)
        columns = _mapping(node).get("columns")
        for column in _sequence(columns):
            yield from _field(column, key, text_fields)
    for name in ("title", "purpose", "help"):
        node = top.get(name)
        if _scalar(node):
            yield node.start_mark.line + 1, None, _scalar(node).strip(), [f"{key} {name}"]
    example = _mapping(top.get("example")) if top.get("example") is not None else {}
    answers = example.get("answers")
    for name, value in (_mapping(answers).items() if answers is not None else ()):
        yield from _example(name, value, key, text_fields)


def _field(node, key: str, text_fields: set):
    mapping = _mapping(node)
    name = _scalar(mapping.get("name")) or "?"
    if _scalar(mapping.get("type")) in TEXT_TYPES:
        text_fields.add(name)
    for attribute in ("label", "help", "placeholder"):
        value = _scalar(mapping.get(attribute))
        if value and value.strip():
            yield mapping[attribute].start_mark.line + 1, None, value.strip(), [f"{key} {name} {attribute}"]
    if _scalar(mapping.get("type")) == "true_false":
        line = mapping["type"].start_mark.line + 1
        yield line, None, "True", [f"{key} {name} option"]
        yield line, None, "False", [f"{key} {name} option"]
    for option in _sequence(mapping.get("options")):
        label = _mapping(option).get("label")
        if _scalar(label):
            yield label.start_mark.line + 1, None, _scalar(label).strip(), [f"{key} {name} option"]


def _example(name: str, node, key: str, text_fields: set):
    if isinstance(node, yaml.SequenceNode):
        for row in node.value:
            for column, cell in _mapping(row).items():
                yield from _example(column, cell, key, text_fields)
    elif name in text_fields and _scalar(node) and _scalar(node).strip():
        yield node.start_mark.line + 1, None, _scalar(node).strip(), [f"{key} example {name}"]


def _mapping(node) -> dict:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def _sequence(node) -> list:
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _scalar(node) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        return node.value
    return None
