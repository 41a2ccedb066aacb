"""Shared test setup. The engine package is imported first so strict msgpack is on."""

from __future__ import annotations

import os

import graph  # noqa: F401  (sets LANGGRAPH_STRICT_MSGPACK before LangGraph loads)

# Tests never talk to the real Groq, and never depend on the developer's shell.
for _name in ("GROQ_API_KEY", "GROQ_API_BASE", "INTERVIEWER_LLM", "INTERVIEWER_ADMIN_TOKEN"):
    os.environ.pop(_name, None)
