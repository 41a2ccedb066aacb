"""What differs between the databases, and nothing else: the SQL itself is written once.

Statements and migrations are templates (`api/sessions/schema.py`, `migrations.py`) with `?`
for each parameter and `{name}` for the few fragments a dialect spells its own way: column
types, the database clock, "not distinct", the checkpointer's tables. `Dialect.sql` renders a
template for one database; `encode_json` / `decode_json` carry JSON values across.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from api.sessions.threads import thread_prefix_pattern, thread_range


@dataclass(frozen=True, eq=False)
class Dialect:
    name: str
    placeholder: str
    """How the driver marks a parameter (`?` in templates)."""
    fragments: dict[str, str]
    """The `{name}` fragments of templates: types, literals and clock expressions."""
    checkpoint_tables: tuple[str, ...]
    """The checkpointer's tables keyed by (thread_id, checkpoint_id), dependants first."""
    thread_tables: tuple[str, ...]
    """Every table of the checkpointer keyed by thread_id, dependants first."""
    threads_of_session: Callable[[str], tuple[str, tuple[Any, ...]]]
    """A condition on thread_id matching exactly one session's threads, and its parameters."""
    encode_json: Callable[[Any], Any]
    decode_json: Callable[[Any], Any]
    after_prune: tuple[str, ...] = field(default=())
    """Statements that finish pruning a session's checkpoints (their parameters: those of
    `threads_of_session`)."""

    @functools.cache  # noqa: B019 - a handful of templates, for the life of the process
    def sql(self, template: str) -> str:
        """The template in this dialect."""
        # psycopg reads '%' as its own: templates never hold one, parameters carry patterns.
        assert "%" not in template, template
        return template.format(**self.fragments).replace("?", self.placeholder)


def _sqlite_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_threads(session_id: str) -> tuple[str, tuple[Any, ...]]:
    return "thread_id >= ? AND thread_id < ?", thread_range(session_id)


def _postgres_threads(session_id: str) -> tuple[str, tuple[Any, ...]]:
    # PostgreSQL compares text by the database's collation, which may not order ':' and ';'
    # bytewise: a prefix match is exact whatever it is.
    return "thread_id LIKE ?", (thread_prefix_pattern(session_id),)


def _postgres_json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


_SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400.0)"
"""The database clock as Unix seconds (SQLite has no sub-second `unixepoch` before 3.42)."""

SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    fragments={
        "json": "TEXT",
        "flag": "INTEGER",
        "false": "0",
        "instant": "REAL",
        "never": "0",
        "now": _SQLITE_NOW,
        "later": f"({_SQLITE_NOW} + ?)",
        "serial_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "not_distinct": "IS",
        "candidate_name": "json_extract(settings, '$.candidate_name')",
        "job_position": "json_extract(settings, '$.job_position')",
    },
    checkpoint_tables=("writes", "checkpoints"),
    thread_tables=("writes", "checkpoints"),
    threads_of_session=_sqlite_threads,
    encode_json=_sqlite_json,
    decode_json=json.loads,
)

POSTGRES = Dialect(
    name="postgres",
    placeholder="%s",
    fragments={
        "json": "JSONB",
        "flag": "BOOLEAN",
        "false": "FALSE",
        "instant": "TIMESTAMPTZ",
        "never": "'-infinity'",
        # The database's clock, so replicas whose clocks disagree still agree on leases.
        "now": "clock_timestamp()",
        "later": "(clock_timestamp() + make_interval(secs => ?))",
        "serial_key": "BIGSERIAL PRIMARY KEY",
        "not_distinct": "IS NOT DISTINCT FROM",
        "candidate_name": "(settings ->> 'candidate_name')",
        "job_position": "(settings ->> 'job_position')",
    },
    checkpoint_tables=("checkpoint_writes", "checkpoints"),
    thread_tables=("checkpoint_writes", "checkpoint_blobs", "checkpoints"),
    threads_of_session=_postgres_threads,
    encode_json=_postgres_json,
    decode_json=lambda value: value,  # psycopg has decoded JSONB already
    after_prune=(
        # A blob is a channel's value at one version; a kept checkpoint names the versions
        # it uses, and every other blob of the session's threads goes.
        "DELETE FROM checkpoint_blobs b WHERE b.thread_id LIKE ? AND NOT EXISTS ("
        " SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id"
        " AND c.checkpoint_ns = b.checkpoint_ns"
        " AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)",
    ),
)
