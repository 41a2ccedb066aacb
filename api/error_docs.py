"""The Errors section of docs/API.md, generated from the error table (api/errors.py).

docs/API.md shows it between `<!-- errors:start -->` and `<!-- errors:end -->`; a test fails
when the table changed and the document did not.

    python -m api.error_docs                         # print the section
    python -m api.error_docs --check docs/API.md     # exit 1 if it is stale
    python -m api.error_docs --write docs/API.md     # refresh it in place
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr

from api.config import Settings
from api.errors import TABLE, ApiError
from api.main import create_app
from graph import docsection

SECTION = "errors"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _name(error: ApiError) -> str:
    return f"`{error.name}`" + (" (`X-Error-Code`)" if error.turn else "")


def _detail(error: ApiError) -> str:
    return "a list of field errors" if error.validation else f"`{error.message}`"


def _send_again(error: ApiError) -> str:
    answer = "yes" if error.retryable else "no"
    return f"{answer}: {error.advice}" if error.advice else answer


def _errors_table() -> list[str]:
    lines = [
        "| status | error | when | `detail` | send again? |",
        "| --- | --- | --- | --- | --- |",
    ]
    for error in sorted(TABLE, key=lambda e: e.status):  # stable: the table's order within one
        cells = (str(error.status), _name(error), error.when, _detail(error), _send_again(error))
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _document() -> dict[str, Any]:
    """The OpenAPI document as served with access control on (its error responses are the
    table's; the other statuses, such as a report's 202, are the routes' own)."""
    app = create_app(Settings(_env_file=None, admin_token=SecretStr("docs")))  # type: ignore[call-arg]
    document: dict[str, Any] = app.openapi()
    return document


def _routes_table() -> list[str]:
    lines = ["| route | statuses besides 200 |", "| --- | --- |"]
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            statuses = ", ".join(s for s in operation["responses"] if s != "200") or "none"
            lines.append(f"| `{method.upper()} {path}` | {statuses} |")
    return lines


def render() -> str:
    """The section: every error, then the statuses of each route."""
    lines = [
        "",
        "<!-- Generated from api/errors.py: `python -m api.error_docs --write docs/API.md`. -->",
        "",
        *_errors_table(),
        "",
        "The statuses each route can answer (401 and 403 only with access control on):",
        "",
        *_routes_table(),
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    return docsection.cli(
        argv,
        prog="python -m api.error_docs",
        description="docs/API.md's Errors section, from the error table.",
        name=SECTION,
        block=render,
    )


if __name__ == "__main__":
    sys.exit(main())
