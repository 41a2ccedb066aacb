"""Run-time settings of the interview graph, read by nodes through `Runtime[Context]`.

These are operator choices (which provider, limits), not the hiring team's per-session
settings, which live in the state. They are declared once, in `ContextFields`: the API's
`Settings` inherits them (so each is `INTERVIEWER_<NAME>` in its environment) and builds the
`Context` from itself; `langgraph dev` builds a `Context` from Studio's form, and a field the
form leaves out falls back to the same environment variable, so the two behave alike.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

ProviderName = Literal["groq", "openai", "offline"]
"""The LLM providers the service can run (graph.llm.registry has one adapter for each)."""
Provider = Literal["auto", ProviderName]
"""The operator's choice: a provider, or `auto` (Groq when GROQ_API_KEY is set, else offline)."""

ENV_PREFIX = "INTERVIEWER_"


class ContextFields(BaseModel):
    """The operator settings the graph reads, with their bounds (one declaration for both)."""

    llm: Provider = Field(
        default="auto",
        description="auto (groq with GROQ_API_KEY, else offline), groq, openai (any "
        "OpenAI-compatible endpoint: openai_base_url, openai_model) or offline.",
    )
    max_tokens: int = Field(
        default=400, ge=16, le=8192, description="Upper bound on one interviewer reply, in tokens."
    )
    personal_questions: int = Field(
        default=1, ge=1, le=2, description="Questions on the candidate's interest (1 or 2)."
    )
    max_follow_ups: int = Field(
        default=2, ge=0, le=5, description="Follow-ups at most per technical question."
    )
    offline_token_delay: float = Field(
        default=0.0, ge=0, description="Seconds between tokens of the offline model."
    )
    groq_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of one Groq request (the only retry layer)."
    )
    groq_timeout: float = Field(
        default=30.0, gt=0, description="Seconds before a Groq request times out."
    )
    groq_max_retry_wait: float = Field(
        default=10.0, ge=0, description="Cap on one wait a 429's retry-after may impose, seconds."
    )
    groq_http: Literal["lean", "httpx"] = Field(
        default="lean",
        description="The Groq connection's HTTP transport: lean (asyncio and httptools, one "
        "body piece per socket read) or httpx (httpcore, one per HTTP chunk). A proxy in the "
        "environment always uses httpx.",
    )
    openai_base_url: str | None = Field(
        default=None,
        description="With llm=openai: the endpoint's base URL, up to and including /v1 "
        "(vLLM: http://HOST:8000/v1, Ollama: http://HOST:11434/v1, llama.cpp: "
        "http://HOST:8080/v1). Its key, if it needs one, is INTERVIEWER_OPENAI_API_KEY.",
    )
    openai_model: str | None = Field(
        default=None,
        description="With llm=openai: the model name the endpoint serves, e.g. "
        "meta-llama/Llama-3.3-70B-Instruct (vLLM) or llama3.3 (Ollama).",
    )
    openai_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of one request to the OpenAI-compatible API."
    )
    openai_timeout: float = Field(
        default=60.0, gt=0, description="Seconds before a request to that endpoint times out."
    )
    openai_max_retry_wait: float = Field(
        default=10.0, ge=0, description="Cap on one wait a 429's retry-after may impose, seconds."
    )
    openai_structured_output: Literal["function_calling", "json_schema"] = Field(
        default="function_calling",
        description="How the follow-up judge and the evaluator ask that endpoint for structured "
        "output: a forced tool call (function_calling) or a response_format JSON schema "
        "(json_schema), for servers without tool calling.",
    )
    stream_flush_ms: float = Field(
        default=40.0,
        ge=0,
        le=200,
        description="After a reply's first token, tokens arriving within this many ms are "
        "read from the LLM and written to the client together.",
    )
    follow_up: Literal["rules", "llm"] = Field(
        default="rules",
        description="Who decides follow-ups: rules (code) or llm (judged, rules as fallback).",
    )
    follow_up_timeout: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="Seconds the LLM judge may take before the rules decide.",
    )
    rubric_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description=(
            "Seconds the LLM may take to write the rubric of a question the bank does not hold "
            "(after the question has streamed); past it, a rubric derived from the question and "
            "the skill's concepts serves."
        ),
    )
    prompts: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Prompt overrides for this run: prompt name (system, welcome, technical, ...) to "
            "template text, used instead of prompts/<name>.md. Empty: the files."
        ),
    )
    integrity_pasted_share: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="An answer with at least this share of its characters pasted on the "
        "candidate page is 'mostly pasted' (a signal for people, and a depth probe).",
    )
    integrity_fast_wpm: float = Field(
        default=150.0,
        gt=0,
        description="An answer whose words per minute, counted from the end of the question to "
        "its arrival, exceed this is 'implausibly fast' (fast typists sustain about 100).",
    )
    integrity_min_words: int = Field(
        default=20,
        ge=1,
        description="Answers shorter than this many words are never flagged mostly pasted, "
        "implausibly fast or inconsistent: a short answer says too little either way.",
    )
    integrity_depth_probes: bool = Field(
        default=True,
        description="Ask a depth probe (explain part of it in your own words) as the next "
        "follow-up after a mostly pasted or implausibly fast answer from the candidate page, "
        "within the follow-up budget.",
    )
    context_window: int = Field(
        default=131072,
        ge=256,
        description="The model's context window; larger requests are refused.",
    )


class Context(ContextFields):
    """Operator settings for one run of the interview graph."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: SkipJsonSchema[Any] = Field(
        default=None,
        exclude=True,
        repr=False,
        description="A chat model to use instead of the provider (tests only; not in Studio).",
    )

    @model_validator(mode="before")
    @classmethod
    def _environment_fallback(cls, data: Any) -> Any:
        # A field the caller leaves out takes INTERVIEWER_<NAME> from the environment.
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for name in ContextFields.model_fields:
            if name in merged:
                continue
            raw = os.environ.get(ENV_PREFIX + name.upper())
            if raw is not None:
                # A mapping comes from the environment as JSON, as pydantic-settings reads it.
                merged[name] = json.loads(raw) if name == "prompts" else raw
        return merged
