"""The FastAPI application: `api.main:app`.

The lifespan opens the SQLite database (checkpoints and session registry in one file), compiles
the interview graph with the SQLite saver, and runs the idle-session sweeper.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from api.config import Settings, get_settings
from api.interviews import (
    InterviewService,
    Overloaded,
    SessionBusy,
    TurnLimitReached,
    TurnRefused,
)
from api.models import Health
from api.projections import progress_of
from api.reports import router as reports_router
from api.routes import router
from api.store import SessionStore, open_connection
from api.sweeper import run_sweeper
from graph.graph import build_graph
from graph.llm import describe_provider

logger = logging.getLogger("api")


class DatabaseInUse(RuntimeError):
    """Another server process already serves this database file."""


def _lock_database(db_path: Path) -> IO[str]:
    # One process per database: turns are serialised per session in process memory, so a
    # second process on the same file could run two turns of one session at once.
    handle = open(db_path.with_name(db_path.name + ".lock"), "a+")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DatabaseInUse(
            f"{db_path} is already served by another interviewer process; "
            "give each process its own INTERVIEWER_DB_PATH"
        ) from None
    return handle


def _export_groq_settings(settings: Settings) -> None:
    # langchain-groq and our factory read the process environment; a key from .env must reach it.
    if settings.groq_api_key and not os.environ.get("GROQ_API_KEY"):
        os.environ["GROQ_API_KEY"] = settings.groq_api_key.get_secret_value()
    if settings.groq_api_base and not os.environ.get("GROQ_API_BASE"):
        os.environ["GROQ_API_BASE"] = settings.groq_api_base


async def _recover(service: InterviewService, store: SessionStore) -> None:
    """After a crash: roll back half-written turns and bring the registry up to date."""
    for row in await store.all():
        await service.rollback(row.session_id)  # a no-op at a turn boundary
        state = await service.state(row.session_id)
        await store.record(row.session_id, progress_of(state, row.settings))


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    _export_groq_settings(settings)
    if settings.admin_token is None:
        logger.warning(
            "Access control is OFF (the seed's open mode): anyone who can reach this port can "
            "read and drive every session. Set INTERVIEWER_ADMIN_TOKEN in production."
        )
    provider = describe_provider(settings.llm)
    if provider["offline"]:
        logger.warning(
            "LLM provider: OFFLINE built-in interviewer model (no GROQ_API_KEY set or "
            "INTERVIEWER_LLM=offline); replies do not come from llama-3.3-70b-versatile"
        )
    else:
        logger.info("LLM provider: groq (llama-3.3-70b-versatile) at %s", provider["api_base"])

    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_database(settings.db_path)
    saver_conn = await open_connection(settings.db_path)
    store_conn = await open_connection(settings.db_path)
    sweeper: asyncio.Task[None] | None = None
    try:
        saver = AsyncSqliteSaver(saver_conn)
        await saver.setup()
        store = SessionStore(store_conn, saver.lock)
        await store.setup()
        service = InterviewService(
            build_graph(checkpointer=saver),
            saver,
            store,
            settings.context(),
            keep_checkpoints=settings.keep_checkpoints,
            max_active_turns=settings.max_active_turns,
            max_turns_per_session=settings.max_turns_per_session,
            stream_flush_interval=settings.stream_flush_ms / 1000,
        )
        await _recover(service, store)
        app.state.store = store
        app.state.service = service
        # Everything loaded so far (LangGraph, LangChain, pydantic, the SDKs) lives as long as
        # the process; frozen, the collector stops re-scanning it, and its full collections
        # stop pausing every stream for hundreds of milliseconds under load.
        gc.collect()
        gc.freeze()
        sweeper = asyncio.create_task(run_sweeper(service, store, settings))
        yield
        await service.shutdown()
    finally:
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        await store_conn.close()
        await saver_conn.close()
        lock.close()


def _add_error_handlers(app: FastAPI) -> None:
    """Domain errors of a turn, as HTTP statuses with a `detail` like FastAPI's own."""

    @app.exception_handler(SessionBusy)
    async def busy(_: Request, __: SessionBusy) -> JSONResponse:
        return JSONResponse(
            status_code=409,
            content={
                "detail": "A reply is still being generated for this session; "
                "wait for it to finish."
            },
        )

    @app.exception_handler(TurnRefused)
    async def refused(_: Request, exc: TurnRefused) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    @app.exception_handler(TurnLimitReached)
    async def too_many_turns(_: Request, exc: TurnLimitReached) -> JSONResponse:
        return JSONResponse(status_code=429, content={"detail": str(exc)})

    @app.exception_handler(Overloaded)
    async def overloaded(_: Request, __: Overloaded) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": "The server is at its limit of concurrent replies; retry shortly."},
            headers={"Retry-After": "1"},
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    app = FastAPI(
        title="AI Interviewer API",
        description="Automated job interviews with Mia, streamed as plain text or SSE.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings or get_settings()
    app.include_router(router)
    app.include_router(reports_router)
    _add_error_handlers(app)

    @app.get("/healthz", response_model=Health, tags=["ops"])
    async def healthz() -> Health:
        """Liveness: answers without touching the LLM or the database."""
        return Health(provider=describe_provider(app.state.settings.llm)["provider"])

    return app


app = create_app()
