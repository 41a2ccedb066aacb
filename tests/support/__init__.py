"""Helpers shared by the test layers, the benchmark and `make quality`."""

import graph  # noqa: F401  (sets LANGGRAPH_STRICT_MSGPACK before LangGraph loads)
