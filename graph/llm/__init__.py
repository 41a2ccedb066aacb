"""The LLM behind the interviewer (being split into a port, a registry and adapters)."""

from graph.llm.registry import *  # noqa: F403
from graph.llm.registry import _retry_after_cap  # noqa: F401
