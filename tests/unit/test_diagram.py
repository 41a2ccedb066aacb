"""The README's graph diagram is generated from the graph, and a stale one is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import diagram
from graph.graph import graph

README = Path(__file__).resolve().parents[2] / "README.md"

DOC = f"""# Title

Intro text.

{diagram.START_MARKER}
```mermaid
graph TD;
\told_node --> other_node;
```
{diagram.END_MARKER}

Text after the diagram.
"""


def _doc_file(tmp_path: Path, text: str = DOC) -> Path:
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_generated_diagram_shows_every_node() -> None:
    text = diagram.mermaid()
    assert text.lstrip().startswith(("graph", "---", "%%"))
    for node in graph.get_graph().nodes:
        assert node in text, f"node {node} missing from the diagram"
    # The nodes the interview cannot work without, named explicitly so that a graph that
    # silently lost one (and its diagram with it) still fails here.
    for node in ("greet_candidate", "wait_for_candidate", "detect_cheating", "close_interview"):
        assert node in text


def test_write_then_check_round_trips(tmp_path: Path) -> None:
    path = _doc_file(tmp_path)
    assert not diagram.check_file(path)

    assert diagram.write_file(path) is True
    assert diagram.check_file(path)
    # A second write finds nothing to do and leaves the file as it is.
    before = path.read_bytes()
    assert diagram.write_file(path) is False
    assert path.read_bytes() == before

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nIntro text.\n\n" + diagram.START_MARKER)
    assert text.endswith(diagram.END_MARKER + "\n\nText after the diagram.\n")
    assert "old_node" not in text
    assert "```mermaid\n" + diagram.mermaid().rstrip() + "\n```" in text


def test_cli_check_fails_on_stale_block_and_passes_after_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _doc_file(tmp_path)
    assert diagram.main(["--check", str(path)]) == diagram.EXIT_STALE
    assert "stale" in capsys.readouterr().err

    assert diagram.main(["--write", str(path)]) == diagram.EXIT_OK
    assert diagram.main(["--check", str(path)]) == diagram.EXIT_OK


def test_check_detects_a_changed_edge(tmp_path: Path) -> None:
    path = _doc_file(tmp_path)
    diagram.write_file(path)
    text = path.read_text(encoding="utf-8")
    edge = "\tbegin_interview --> greet_candidate;"
    assert edge in text
    path.write_text(text.replace(edge, "\tbegin_interview --> close_interview;"), "utf-8")
    assert not diagram.check_file(path)


def test_check_ignores_trailing_whitespace_and_line_endings(tmp_path: Path) -> None:
    path = _doc_file(tmp_path)
    diagram.write_file(path)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("\n", "  \r\n").encode("utf-8"))
    assert diagram.check_file(path)


def test_cli_prints_the_diagram(capsys: pytest.CaptureFixture[str]) -> None:
    assert diagram.main([]) == diagram.EXIT_OK
    assert capsys.readouterr().out == diagram.mermaid()


@pytest.mark.parametrize(
    "text",
    [
        "# No markers at all\n",
        f"{diagram.START_MARKER}\nonly the start\n",
        f"{diagram.END_MARKER}\nend first\n{diagram.START_MARKER}\n",
        f"{diagram.START_MARKER}\n{diagram.END_MARKER}\n{diagram.START_MARKER}\n"
        f"{diagram.END_MARKER}\n",
    ],
    ids=["none", "start-only", "reversed", "two-blocks"],
)
def test_missing_or_ambiguous_markers_are_an_error(tmp_path: Path, text: str) -> None:
    path = _doc_file(tmp_path, text)
    with pytest.raises(diagram.MarkerError):
        diagram.write_file(path)
    with pytest.raises(diagram.MarkerError):
        diagram.check_file(path)
    # The CLI reports it as an error (2), distinct from a stale diagram (1), and never
    # invents the section.
    assert diagram.main(["--write", str(path)]) == diagram.EXIT_ERROR
    assert diagram.main(["--check", str(path)]) == diagram.EXIT_ERROR
    assert path.read_text(encoding="utf-8") == text


def test_readme_diagram_is_current() -> None:
    assert diagram.START_MARKER in README.read_text(encoding="utf-8"), "README lost its diagram"
    assert diagram.check_file(README), (
        "README.md's graph diagram is stale: run `python -m graph.diagram --write README.md`"
    )
