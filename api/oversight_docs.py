"""The generated sections of docs/OVERSIGHT.md: the audit log's actions (and, with people and
roles, the permission table), from the tables in the code, so the page cannot go stale.

    python -m api.oversight_docs --check docs/OVERSIGHT.md   # exit 1 if a section is stale
    python -m api.oversight_docs --write docs/OVERSIGHT.md   # refresh them in place
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from api.audit import ACTIONS, AUTOMATED, SYSTEM
from graph import docsection

ACTIONS_SECTION = "actions"


def render_actions() -> str:
    lines = ["", "| action | by | what it records |", "| --- | --- | --- |"]
    for action, meaning in ACTIONS.items():
        by = f"`{SYSTEM.name}`" if action in AUTOMATED else "a person"
        lines.append(f"| `{action}` | {by} | {meaning} |")
    return "\n".join([*lines, ""])


def main(argv: Sequence[str] | None = None) -> int:
    return docsection.cli(
        argv,
        prog="python -m api.oversight_docs",
        description="docs/OVERSIGHT.md's tables, from the code.",
        name=ACTIONS_SECTION,
        block=render_actions,
    )


if __name__ == "__main__":
    sys.exit(main())
