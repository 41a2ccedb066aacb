"""docs/API.md, the contract in this repository, names every endpoint the server has and every
status the OpenAPI document gives it (issue 13, item 14)."""

from __future__ import annotations

import re
from pathlib import Path

from api.config import Settings
from api.main import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"


def _rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(GET|POST|DELETE) (/[^`]*)`", line)
        if match:
            rows[f"{match.group(1)} {match.group(2)}"] = [c.strip() for c in line.split("|")]
    return rows


def test_every_endpoint_and_its_statuses_are_in_the_repository_contract() -> None:
    doc = create_app(Settings(_env_file=None, admin_token="t")).openapi()  # type: ignore[call-arg]
    rows = _rows()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            assert key in rows, f"docs/API.md has no row for {key}"
            statuses = set(re.findall(r"\b[1-5]\d\d\b", rows[key][-2]))
            documented = set(operation["responses"]) - {"200"}
            assert documented <= statuses, (key, documented - statuses)


def test_the_readme_points_at_the_repository_contract() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/API.md" in readme
    assert "shared/seeds" not in readme
