"""The settings tables of docs/OPERATIONS.md, generated from the one settings object.

Every setting is a field of `Settings` (api/config.py), the graph's own inherited from
`ContextFields` (graph/context.py); its variable, default, bounds and description come from the
field, so the list cannot miss a setting or go stale (a test runs `--check`).

    python -m api.settings_docs                              # print the section
    python -m api.settings_docs --check docs/OPERATIONS.md   # exit 1 if it is stale
    python -m api.settings_docs --write docs/OPERATIONS.md   # refresh it in place
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo

from api.config import Settings
from graph import docsection
from graph.context import ENV_PREFIX, ContextFields

SECTION = "settings"


def variable(name: str, field: FieldInfo) -> str:
    """The environment variable a field is read from."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return ENV_PREFIX + name.upper()


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if value in ({}, []):
        return "empty"
    return f"`{_number(value)}`"


def _bounds(field: FieldInfo) -> str:
    parts = []
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            parts.append(f">= {_number(rule.ge)}")
        elif isinstance(rule, annotated_types.Gt):
            parts.append(f"> {_number(rule.gt)}")
        elif isinstance(rule, annotated_types.Le):
            parts.append(f"<= {_number(rule.le)}")
        elif isinstance(rule, annotated_types.Lt):
            parts.append(f"< {_number(rule.lt)}")
    return ", ".join(parts)


def values(field: FieldInfo) -> str:
    """What the variable may hold: the choices, or the kind of value and its bounds."""
    kind = field.annotation
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if typing.get_origin(kind) is typing.Literal:
        choices = [f"`{c}`" for c in typing.get_args(kind)]
        return ", ".join(choices[:-1]) + " or " + choices[-1]
    origin = typing.get_origin(kind)
    words: dict[Any, str] = {
        int: "integer",
        float: "number",
        str: "text",
        Path: "path",
        SecretStr: "secret",
        dict: "JSON object",
        list: "comma-separated list",
    }
    word = words.get(origin or kind, str(kind))
    bounds = _bounds(field)
    return f"{word}, {bounds}" if bounds else word


def _cell(text: str) -> str:
    # `<name>` would be read as an HTML tag and vanish from the rendered table.
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def _table(names: Sequence[str]) -> list[str]:
    lines = ["| variable | default | values | what it does |", "| --- | --- | --- | --- |"]
    for name in names:
        field = Settings.model_fields[name]
        cells = (f"`{variable(name, field)}`", default(field), values(field))
        lines.append("| " + " | ".join((*cells, _cell(field.description or ""))) + " |")
    return lines


def render() -> str:
    graph_fields = [n for n in Settings.model_fields if n in ContextFields.model_fields]
    service_fields = [n for n in Settings.model_fields if n not in ContextFields.model_fields]
    lines = [
        "",
        "<!-- Generated from api/config.py and graph/context.py: "
        "`python -m api.settings_docs --write docs/OPERATIONS.md`. -->",
        "",
        "The service (`Settings`, `api/config.py`):",
        "",
        *_table(service_fields),
        "",
        "The interview graph (`ContextFields`, `graph/context.py`; Studio shows these fields as "
        "the assistant's context):",
        "",
        *_table(graph_fields),
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    return docsection.cli(
        argv,
        prog="python -m api.settings_docs",
        description="docs/OPERATIONS.md's settings tables, from Settings.",
        name=SECTION,
        block=render,
    )


if __name__ == "__main__":
    sys.exit(main())
