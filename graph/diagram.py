"""The interview graph as a Mermaid diagram, generated from the compiled graph itself.

The README shows this diagram between the markers `<!-- graph:start -->` and
`<!-- graph:end -->`. Generating it (instead of drawing it by hand) keeps the picture honest:
`--check` fails when the graph changed and the README did not, `--write` refreshes it.

    python -m graph.diagram                     # print the diagram
    python -m graph.diagram --check README.md   # exit 1 if the README's diagram is stale
    python -m graph.diagram --write README.md   # rewrite the README's diagram in place
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

START_MARKER = "<!-- graph:start -->"
END_MARKER = "<!-- graph:end -->"

EXIT_OK = 0
EXIT_STALE = 1
EXIT_ERROR = 2


class MarkerError(ValueError):
    """The document lacks exactly one well-ordered pair of graph markers."""


def mermaid() -> str:
    """The Mermaid source of the interview graph, as LangGraph draws it."""
    # Imported here so that `--help` and marker errors do not pay for building the graph.
    from graph.graph import graph

    return graph.get_graph().draw_mermaid()


def render_block(diagram: str) -> str:
    """What goes between the markers: the diagram in a fenced `mermaid` code block."""
    return f"\n```mermaid\n{diagram.rstrip()}\n```\n"


def _marker_span(document: str) -> tuple[int, int]:
    """Start and end offsets of the text between the markers (markers excluded)."""
    starts, ends = document.count(START_MARKER), document.count(END_MARKER)
    if starts != 1 or ends != 1:
        # Zero or several pairs: replacing "the" block would be a guess, so refuse.
        raise MarkerError(
            f"expected exactly one {START_MARKER} and one {END_MARKER}, found {starts} and {ends}"
        )
    begin = document.index(START_MARKER) + len(START_MARKER)
    end = document.index(END_MARKER)
    if end < begin:
        raise MarkerError(f"{END_MARKER} comes before {START_MARKER}")
    return begin, end


def _normalize(text: str) -> str:
    # Editors strip trailing spaces and add or drop blank lines at the edges; neither is a
    # change of the diagram, so neither should make `--check` fail.
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def current_block(document: str) -> str:
    """The text between the markers of `document`."""
    begin, end = _marker_span(document)
    return document[begin:end]


def is_current(document: str, diagram: str) -> bool:
    """Whether the block between the markers shows `diagram`."""
    return _normalize(current_block(document)) == _normalize(render_block(diagram))


def replace_block(document: str, diagram: str) -> str:
    """`document` with the block between the markers replaced by `diagram`."""
    begin, end = _marker_span(document)
    return document[:begin] + render_block(diagram) + document[end:]


def _read(path: Path) -> str:
    # Bytes, not text mode: text mode would turn CRLF into LF and `--write` would then rewrite
    # every line of the file instead of only the block.
    return path.read_bytes().decode("utf-8")


def check_file(path: Path, diagram: str | None = None) -> bool:
    """Whether the diagram in the file at `path` matches `diagram` (default: the graph's)."""
    return is_current(_read(path), mermaid() if diagram is None else diagram)


def write_file(path: Path, diagram: str | None = None) -> bool:
    """Refresh the diagram in the file at `path`; return whether the file changed.

    The markers must already be there: where the diagram belongs is the document's choice.
    """
    document = _read(path)
    updated = replace_block(document, mermaid() if diagram is None else diagram)
    if updated == document:
        return False
    path.write_bytes(updated.encode("utf-8"))
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Print the diagram, or check or refresh the one in a Markdown file."""
    parser = argparse.ArgumentParser(
        prog="python -m graph.diagram", description="The interview graph as Mermaid."
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", metavar="FILE", type=Path, help="exit 1 if FILE's diagram is stale"
    )
    mode.add_argument("--write", metavar="FILE", type=Path, help="refresh FILE's diagram")
    args = parser.parse_args(argv)

    try:
        if args.check is not None:
            if check_file(args.check):
                return EXIT_OK
            print(
                f"{args.check}: the graph diagram is stale; "
                f"run `python -m graph.diagram --write {args.check}`",
                file=sys.stderr,
            )
            return EXIT_STALE
        if args.write is not None:
            changed = write_file(args.write)
            print(f"{args.write}: {'updated' if changed else 'already current'}", file=sys.stderr)
            return EXIT_OK
    except (OSError, MarkerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR

    sys.stdout.write(mermaid())
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
