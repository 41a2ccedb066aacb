"""Code that was written and never read stays gone (issue 17, item 7)."""

from __future__ import annotations

import dataclasses

from api import guard, routes
from api.interviews import Turn
from bench.driver import RunResult
from graph.evaluation.report import Usage


def test_fields_nobody_read_are_gone() -> None:
    assert "replayed" not in {f.name for f in dataclasses.fields(Turn)}
    assert "healthz_errors" not in {f.name for f in dataclasses.fields(RunResult)}
    assert not hasattr(Usage, "total_tokens")


def test_helpers_nobody_called_are_gone() -> None:
    assert not hasattr(guard, "_reject_constant")
    # The OpenAPI document (api/openapi.py) says what the streaming routes answer.
    assert not hasattr(routes, "STREAM_RESPONSES")
