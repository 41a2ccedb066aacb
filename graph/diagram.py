"""The interview graph as a Mermaid diagram, generated from the compiled graph itself.

The README shows this diagram between the markers `<!-- graph:start -->` and
`<!-- graph:end -->`. Generating it (instead of drawing it by hand) keeps the picture honest:
`--check` fails when the graph changed and the README did not, `--write` refreshes it.

    python -m graph.diagram                     # print the diagram
    python -m graph.diagram --check README.md   # exit 1 if the README's diagram is stale
    python -m graph.diagram --write README.md   # rewrite the README's diagram in place
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from graph import docsection
from graph.docsection import EXIT_ERROR, EXIT_OK, EXIT_STALE, MarkerError

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_STALE", "MarkerError"]

SECTION = "graph"
START_MARKER, END_MARKER = docsection.markers(SECTION)


def mermaid() -> str:
    """The Mermaid source of the interview graph, as LangGraph draws it."""
    # Imported here so that `--help` and marker errors do not pay for building the graph.
    from graph.graph import graph

    return graph.get_graph().draw_mermaid()


def render_block(diagram: str) -> str:
    """What goes between the markers: the diagram in a fenced `mermaid` code block."""
    return f"\n```mermaid\n{diagram.rstrip()}\n```\n"


def current_block(document: str) -> str:
    """The text between the markers of `document`."""
    return docsection.current(document, SECTION)


def is_current(document: str, diagram: str) -> bool:
    """Whether the block between the markers shows `diagram`."""
    return docsection.is_current(document, SECTION, render_block(diagram))


def replace_block(document: str, diagram: str) -> str:
    """`document` with the block between the markers replaced by `diagram`."""
    return docsection.replace(document, SECTION, render_block(diagram))


def check_file(path: Path, diagram: str | None = None) -> bool:
    """Whether the diagram in the file at `path` matches `diagram` (default: the graph's)."""
    return docsection.check_file(
        path, SECTION, render_block(mermaid() if diagram is None else diagram)
    )


def write_file(path: Path, diagram: str | None = None) -> bool:
    """Refresh the diagram in the file at `path`; return whether the file changed."""
    return docsection.write_file(
        path, SECTION, render_block(mermaid() if diagram is None else diagram)
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the diagram, or check or refresh the one in a Markdown file."""
    return docsection.cli(
        argv,
        prog="python -m graph.diagram",
        description="The interview graph as Mermaid.",
        name=SECTION,
        block=lambda: render_block(mermaid()),
        printed=mermaid,
    )


if __name__ == "__main__":
    sys.exit(main())
