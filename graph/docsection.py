"""Generated sections of Markdown documents: the text between `<!-- NAME:start -->` and
`<!-- NAME:end -->`, written by a command and checked by a test, so that a document showing
what the code knows (the README's graph diagram, docs/API.md's error tables) cannot go stale.

`cli` is the command line each generator offers: print the section, `--check FILE` (exit 1 if
stale) or `--write FILE` (refresh it in place).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_STALE = 1
EXIT_ERROR = 2


class MarkerError(ValueError):
    """The document lacks exactly one well-ordered pair of the section's markers."""


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def _span(document: str, name: str) -> tuple[int, int]:
    """Start and end offsets of the text between the markers (markers excluded)."""
    start, end = markers(name)
    starts, ends = document.count(start), document.count(end)
    if starts != 1 or ends != 1:
        # Zero or several pairs: replacing "the" section would be a guess, so refuse.
        raise MarkerError(f"expected exactly one {start} and one {end}, found {starts} and {ends}")
    begin = document.index(start) + len(start)
    finish = document.index(end)
    if finish < begin:
        raise MarkerError(f"{end} comes before {start}")
    return begin, finish


def _normalize(text: str) -> str:
    # Editors strip trailing spaces and add or drop blank lines at the edges; neither is a
    # change of the section, so neither should make a check fail.
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def current(document: str, name: str) -> str:
    """The text between the section's markers."""
    begin, end = _span(document, name)
    return document[begin:end]


def is_current(document: str, name: str, block: str) -> bool:
    """Whether the section shows `block`."""
    return _normalize(current(document, name)) == _normalize(block)


def replace(document: str, name: str, block: str) -> str:
    """`document` with the section replaced by `block`."""
    begin, end = _span(document, name)
    return document[:begin] + block + document[end:]


def read(path: Path) -> str:
    # Bytes, not text mode: text mode would turn CRLF into LF and a write would then rewrite
    # every line of the file instead of only the section.
    return path.read_bytes().decode("utf-8")


def check_file(path: Path, name: str, block: str) -> bool:
    return is_current(read(path), name, block)


def write_file(path: Path, name: str, block: str) -> bool:
    """Refresh the section in the file; return whether the file changed. The markers must be
    there already: where the section belongs is the document's choice."""
    document = read(path)
    updated = replace(document, name, block)
    if updated == document:
        return False
    path.write_bytes(updated.encode("utf-8"))
    return True


def cli(
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str,
    name: str,
    block: Callable[[], str],
    printed: Callable[[], str] | None = None,
) -> int:
    """Print the section (`printed`, default `block`), or check or refresh it in a file."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", metavar="FILE", type=Path, help="exit 1 if FILE's is stale")
    mode.add_argument("--write", metavar="FILE", type=Path, help="refresh FILE's")
    args = parser.parse_args(argv)
    try:
        if args.check is not None:
            if check_file(args.check, name, block()):
                return EXIT_OK
            print(
                f"{args.check}: the {name} section is stale; run `{prog} --write {args.check}`",
                file=sys.stderr,
            )
            return EXIT_STALE
        if args.write is not None:
            changed = write_file(args.write, name, block())
            print(f"{args.write}: {'updated' if changed else 'already current'}", file=sys.stderr)
            return EXIT_OK
    except (OSError, MarkerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write((printed or block)())
    return EXIT_OK
