"""The README teaches in about 250 lines and says only true things about the tree; the docs it
links to exist, their links resolve, and the lists generated or derived from the code are
complete (the settings, the report's fields)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from api import report_types, settings_docs
from graph import docsection
from graph.evaluation import report

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = REPO / "docs"
MOVED_INTO = ("ARCHITECTURE.md", "OPERATIONS.md", "EVALUATION.md", "QUALITY.md", "WEB.md")
"""The docs that took the README's long sections over."""
README_MAX_LINES = 290
"""About 250 plus the trust section: a teaching page, not a notebook (issue 17, item 6)."""

_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`\n]+)`")
_TOP = ("api/", "graph/", "tests/", "docs/", "bench/", "devkit/", "prompts/", "deploy/", ".ci/")
_NOT_IN_THE_TREE = {"graph/prompt_files/"}
"""Paths named on purpose that only an installed wheel has."""
_ROOT_FILES = {
    "Makefile",
    "Dockerfile",
    "compose.yaml",
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "langgraph.json",
}


def _markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _outside_code(text: str) -> Iterator[str]:
    """The lines of a Markdown text outside fenced code blocks."""
    fence = ""
    for line in text.splitlines():
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if marker and (not fence or marker.group(1).startswith(fence)):
            fence = "" if fence else marker.group(1)
            continue
        if not fence:
            yield line


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in _outside_code(path.read_text(encoding="utf-8")):
        match = re.match(r"^#{1,6}\s+(.*)$", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def test_the_readme_is_a_page_not_a_notebook() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; put long explanations in docs/ and link them"
    )
    headings = [line for line in _outside_code("\n".join(lines)) if line.startswith("## ")]
    teaching = [
        "## Quick start",
        "## Architecture",
        "## Configuration",
        "## How to change things",
        "## Where things live",
        "## How to test",
    ]
    assert [h for h in headings if h in teaching] == teaching, headings


@pytest.mark.parametrize("name", MOVED_INTO)
def test_the_readme_links_every_doc_that_holds_its_former_sections(name: str) -> None:
    assert f"(docs/{name}" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "section",
    [
        "add-a-stage",
        "add-an-llm-provider",
        "add-a-report-field",
        "change-a-prompt",
        "add-a-migration",
    ],
)
def test_the_readme_links_each_how_to_change_section(section: str) -> None:
    assert f"(docs/CHANGING.md#{section})" in README.read_text(encoding="utf-8")
    assert section in anchors(DOCS / "CHANGING.md")


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.name)
def test_every_relative_link_resolves_to_a_file_and_heading(path: Path) -> None:
    broken = []
    for line in _outside_code(path.read_text(encoding="utf-8")):
        for target in _LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.exists():
                broken.append(f"{target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{target}: no heading with that anchor")
    assert broken == [], f"{path.name}: {broken}"


def _named_paths(text: str) -> Iterator[str]:
    for line in _outside_code(text):
        for token in _CODE.findall(line):
            token = token.split()[0].split(":")[0].rstrip(",;")
            if any(c in token for c in "<>*${}") or token.startswith("/"):
                continue
            if token.startswith(_TOP) or token in _ROOT_FILES:
                yield token


@pytest.mark.parametrize("name", ["README.md", *MOVED_INTO])
def test_every_path_the_docs_name_exists(name: str) -> None:
    path = README if name == "README.md" else DOCS / name
    named = set(_named_paths(path.read_text(encoding="utf-8"))) - _NOT_IN_THE_TREE
    missing = sorted(p for p in named if not (REPO / p).exists())
    assert missing == [], f"{name} names paths that do not exist: {missing}"


def _code_map() -> list[tuple[list[str], list[str]]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("path", "---"):
            continue
        rows.append((_CODE.findall(cells[0]), _CODE.findall(cells[1])))
    return rows


def test_the_code_map_is_true() -> None:
    rows = _code_map()
    assert len(rows) >= 15
    wrong = []
    for places, named in rows:
        for place in places:
            if not (REPO / place).exists():
                wrong.append(place)
        folders = [REPO / p for p in places if (REPO / p).is_dir()]
        for token in named:
            is_path = re.fullmatch(r"[\w.-][\w./-]*\.(py|json|md|js)|[\w.-][\w./-]*/", token)
            if not is_path:
                continue  # a command, a class name, a URL
            here = (REPO / token).exists() or any(
                (folder / token).exists() or any(folder.rglob(token.rstrip("/")))
                for folder in folders
            )
            if not here:
                wrong.append(f"{token} (row {places})")
    assert wrong == [], f"the README's code map names what is not there: {wrong}"


def test_every_top_level_folder_is_on_the_code_map() -> None:
    mapped = {p.split("/")[0] for places, _ in _code_map() for p in places}
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    folders = {t.split("/")[0] for t in tracked if "/" in t and not t.startswith(".")}
    # checkpoints/ only keeps the default database's place; calibration/ is the judge's data.
    assert folders - mapped <= {"checkpoints", "calibration"}, folders - mapped


def _fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[str]:
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        yield name
        for kind in re.findall(r"\w+", str(field.annotation)):
            nested = getattr(report, kind, None) or getattr(report_types, kind, None)
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                yield from _fields(nested, seen)


def test_every_field_of_a_report_is_in_the_field_list_of_evaluation_md() -> None:
    text = (DOCS / "EVALUATION.md").read_text(encoding="utf-8")
    listed = text.split("## Fields", 1)[1].split("\n## ", 1)[0]
    seen: set[type[BaseModel]] = set()
    names = [
        *_fields(report.Report, seen),
        *_fields(report_types.FailedReport, seen),
        *_fields(report_types.PendingReport, seen),
    ]
    missing = sorted({n for n in names if not re.search(rf"\b{re.escape(n)}\b", listed)})
    assert missing == [], f"docs/EVALUATION.md, Fields, does not list: {missing}"


def test_the_settings_tables_of_operations_md_are_current() -> None:
    path = DOCS / "OPERATIONS.md"
    assert docsection.check_file(path, settings_docs.SECTION, settings_docs.render()), (
        "docs/OPERATIONS.md's settings are stale: "
        "run `python -m api.settings_docs --write docs/OPERATIONS.md`"
    )


def test_the_settings_tables_name_every_setting_with_what_it_does() -> None:
    from api.config import Settings

    section = docsection.current((DOCS / "OPERATIONS.md").read_text(encoding="utf-8"), "settings")
    for name, field in Settings.model_fields.items():
        variable = settings_docs.variable(name, field)
        assert f"| `{variable}` |" in section, variable
        assert field.description, f"Settings.{name} has no description for docs/OPERATIONS.md"


def test_the_settings_docs_command_checks_and_writes(tmp_path: Path) -> None:
    stale = tmp_path / "OPERATIONS.md"
    stale.write_text("# Ops\n\n<!-- settings:start -->\nold\n<!-- settings:end -->\n")
    command = [sys.executable, "-m", "api.settings_docs"]
    check = subprocess.run([*command, "--check", str(stale)], cwd=REPO, capture_output=True)
    assert check.returncode == docsection.EXIT_STALE
    write = subprocess.run([*command, "--write", str(stale)], cwd=REPO, capture_output=True)
    assert write.returncode == docsection.EXIT_OK
    assert "`INTERVIEWER_DATABASE_URL`" in stale.read_text()
    again = subprocess.run([*command, "--check", str(stale)], cwd=REPO, capture_output=True)
    assert again.returncode == docsection.EXIT_OK
