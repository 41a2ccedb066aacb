"""One settings object for the whole service, read from the environment (and `.env`)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.sessions.leases import LeasePolicy
from graph.context import Context, ContextFields

MIN_DB_POOL_SIZE = 2
"""The fewest PostgreSQL connections a process can start with (see `_pool_can_start`)."""


class Settings(BaseSettings, ContextFields):
    """Service settings. Every field is `INTERVIEWER_<NAME>` in the environment.

    The graph's own settings (provider, token and retry limits) are inherited from
    `ContextFields`, declared there once; `context()` hands them to the graph.
    """

    model_config = SettingsConfigDict(
        env_prefix="INTERVIEWER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    host: str = Field(default="0.0.0.0", description="Address to listen on (all interfaces).")
    port: int = Field(default=8000, ge=1, le=65535, description="Port to listen on.")
    workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Worker processes of `python -m api` on one database; unset, one per core.",
    )
    db_path: Path = Field(
        default=Path("checkpoints/interviews.sqlite"),
        description="The SQLite file of sessions and checkpoints (without database_url).",
    )
    sessions_dir: Path = Field(
        default=Path("interview_sessions"),
        description="Where saved session documents are written (save, delete, expiry, restart).",
    )
    session_timeout_minutes: float = Field(
        default=30.0, gt=0, description="A session idle this long is saved and removed."
    )
    sweep_interval_seconds: float = Field(
        default=LeasePolicy.sweep_interval,
        gt=0,
        description="How often the sweeper looks for idle sessions.",
    )
    database_url: str | None = Field(
        default=None,
        description="postgresql://... to keep sessions and checkpoints in PostgreSQL (several "
        "replicas); unset, the embedded SQLite file at db_path.",
    )
    db_pool_size: int = Field(
        default=20,
        le=500,
        description="PostgreSQL connections per process; at least "
        f"{MIN_DB_POOL_SIZE} (start-up holds one for its lock while the checkpointer's set-up "
        "uses another).",
    )
    lease_seconds: float = Field(
        default=LeasePolicy.seconds,
        gt=0,
        le=600,
        description="A session's lease lasts this long unless renewed: how soon a crashed "
        "holder's session can be served again.",
    )
    max_active_turns: int = Field(
        default=500, ge=1, description="Turns streaming at once in this process."
    )
    max_sessions: int = Field(
        default=10_000,
        ge=1,
        description="Sessions the database may hold at once; creating one more is 503 "
        "too_many_sessions (idle sessions are saved and removed after session_timeout_minutes).",
    )
    create_rate_per_second: float = Field(
        default=20.0,
        ge=0,
        description="Open mode: sessions one client address may create per second, on average "
        "(per process); past it, 429 create_rate_limited with Retry-After. 0: no limit.",
    )
    create_burst: int = Field(
        default=200,
        ge=1,
        description="Open mode: sessions one client address may create at once before "
        "create_rate_per_second applies.",
    )
    sessions_page_max: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Most sessions one GET /sessions answers (its default `limit`); more are "
        "a cursor away (the X-Next-Cursor header).",
    )
    max_turns_per_session: int = Field(
        default=300, ge=1, description="Turns one session may take; past them, 429."
    )
    turn_deadline_seconds: float = Field(
        default=90.0,
        gt=0,
        description="Longest a whole turn may take, however slowly the LLM streams; past it "
        "the turn fails like a timeout and is not committed.",
    )
    shutdown_grace_seconds: float = Field(
        default=10.0,
        gt=0,
        description="On SIGTERM, how long running replies may take to finish (and be "
        "committed); past it they end with an error event and are not committed.",
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    admin_token: SecretStr | None = Field(
        default=None, description="Turns access control on: the admin's bearer token."
    )

    audit_retention_days: int = Field(
        default=1461,
        ge=1,
        description="How long audit log entries are kept, in days (1,461: four years, the "
        "longest of the record-keeping rules for hiring tools; the EU AI Act asks at least six "
        "months).",
    )
    webhook_url: str | None = Field(
        default=None, description="POST every ready evaluation report here (signed)."
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key of the webhook's X-Interviewer-Signature."
    )
    webhook_attempts: int = Field(
        default=3, ge=1, le=10, description="Delivery attempts of one report, in all."
    )
    webhook_backoff: float = Field(
        default=1.0, ge=0, le=60, description="Seconds before the first retry; doubles."
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, le=120, description="Seconds one delivery attempt may take."
    )

    max_body_bytes_create: int = Field(
        default=256 * 1024,
        ge=1024,
        description="Largest create-session body: the largest valid settings, every character "
        "\\u-escaped, fit.",
    )
    max_body_bytes_chat: int = Field(
        default=128 * 1024,
        ge=1024,
        description="Largest chat body: an 8,000-character message, every character "
        "\\u-escaped, fits.",
    )
    max_body_bytes_other: int = Field(
        default=4 * 1024, ge=64, description="Largest body of every other route (none needs one)."
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS), comma-separated; empty: "
        "none. `*` allows any origin.",
    )

    groq_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("GROQ_API_KEY", "groq_api_key"),
        description="Groq's API key; with llm=auto, setting it selects Groq.",
    )
    groq_api_base: str | None = Field(
        default=None,
        validation_alias=AliasChoices("GROQ_API_BASE", "groq_api_base"),
        description="Another Groq-protocol server instead of Groq's (the tests' loopback stub).",
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        description="With INTERVIEWER_LLM=openai: the endpoint's key, if it needs one.",
    )

    @field_validator("db_pool_size")
    @classmethod
    def _pool_can_start(cls, value: int) -> int:
        # With one connection the start-up lock's holder waits for the checkpointer's set-up,
        # which waits for a connection: a deadlock, not an error. Refuse it plainly instead.
        if value < MIN_DB_POOL_SIZE:
            raise ValueError(
                f"INTERVIEWER_DB_POOL_SIZE must be at least {MIN_DB_POOL_SIZE} (got {value}): "
                "start-up holds one connection for its lock while the checkpointer's set-up "
                "needs another"
            )
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # INTERVIEWER_CORS_ORIGINS="https://a.example, https://b.example" (or a JSON list).
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip().rstrip("/") for origin in text.split(",") if origin.strip()]
        return value

    def context(self) -> Context:
        """The graph's run-time context, built from these settings (and nothing else)."""
        return Context.model_validate(self.model_dump(include=set(ContextFields.model_fields)))


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own and override the dependency)."""
    return Settings()
