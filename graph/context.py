"""Run-time settings of the interview graph, read by nodes through `Runtime[Context]`.

These are operator choices (which provider, limits), not the hiring team's per-session
settings, which live in the state. Unset fields fall back to environment variables so that
`langgraph dev` and the API behave alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any, Literal

Provider = Literal["auto", "groq", "offline"]

_ENV_PREFIX = "INTERVIEWER_"


def _from_env(default: object, raw: str) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


@dataclass(kw_only=True)
class Context:
    """Operator settings for one run of the interview graph."""

    llm: Provider = field(default="auto", metadata={"description": "auto, groq or offline."})
    max_tokens: int = field(
        default=400, metadata={"description": "Upper bound on one interviewer reply, in tokens."}
    )
    personal_questions: int = field(
        default=1, metadata={"description": "Questions on the candidate's interest (1 or 2)."}
    )
    max_follow_ups: int = field(
        default=2, metadata={"description": "Follow-ups at most per technical question."}
    )
    offline_token_delay: float = field(
        default=0.0, metadata={"description": "Seconds between tokens of the offline model."}
    )
    groq_max_retries: int = field(
        default=2, metadata={"description": "Retries of one Groq request (the only retry layer)."}
    )
    groq_timeout: float = field(
        default=30.0, metadata={"description": "Seconds before a Groq request times out."}
    )
    groq_max_retry_wait: float = field(
        default=10.0,
        metadata={"description": "Cap on one wait a 429's retry-after may impose, seconds."},
    )
    context_window: int = field(
        default=131072,
        metadata={"description": "The model's context window; larger requests are refused."},
    )

    model: Any = field(
        default=None,
        repr=False,
        metadata={"description": "A chat model to use instead of the provider (tests)."},
    )

    def __post_init__(self) -> None:
        # A field still at its default takes INTERVIEWER_<NAME> from the environment.
        for f in fields(self):
            if f.name == "model":
                continue
            env = os.environ.get(_ENV_PREFIX + f.name.upper())
            if env is None or getattr(self, f.name) != f.default:
                continue
            setattr(self, f.name, _from_env(f.default, env))
        if self.llm not in ("auto", "groq", "offline"):
            raise ValueError(f"llm must be auto, groq or offline, not {self.llm!r}")
        self.personal_questions = min(2, max(1, self.personal_questions))
        self.max_follow_ups = max(0, self.max_follow_ups)
