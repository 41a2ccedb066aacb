"""The FastAPI application: `api.main:app`.

The lifespan opens the session repository (SQLite by default, PostgreSQL with
INTERVIEWER_DATABASE_URL), compiles the interview graph with its checkpointer, and runs the
idle-session sweeper (one replica at a time does the sweeping).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware

from api.config import Settings, get_settings
from api.deps import authenticate
from api.docs import add_offline_docs
from api.errors import install_handlers
from api.guard import BodyLimits, RequestGuard, validation_error
from api.interviews import InterviewService
from api.limits import CreateRateLimit
from api.models import Health
from api.openapi import install as install_openapi
from api.oversight import router as oversight_router
from api.reports import router as reports_router
from api.routes import router
from api.sessions import LeasePolicy, SchemaTooNew, SessionRepository, open_repository
from api.streaming import quiet_aborted_turns
from api.sweeper import replica_name, run_sweeper
from api.web import mount_web
from graph.graph import build_graph
from graph.llm import MODEL_NAME, describe

logger = logging.getLogger("api")


def _export_llm_settings(settings: Settings) -> None:
    # The adapters read their keys from the process environment (a key is never part of the
    # graph's context, which Studio shows); a key from .env must reach it.
    for value, variable in (
        (settings.groq_api_key, "GROQ_API_KEY"),
        (settings.groq_api_base, "GROQ_API_BASE"),
        (settings.openai_api_key, "INTERVIEWER_OPENAI_API_KEY"),
    ):
        if value and not os.environ.get(variable):
            secret = value if isinstance(value, str) else value.get_secret_value()
            os.environ[variable] = secret


def _log_start(settings: Settings, repo: SessionRepository) -> None:
    if settings.admin_token is None:
        logger.warning(
            "Access control is OFF (the seed's open mode): anyone who can reach this port can "
            "read and drive every session. Set INTERVIEWER_ADMIN_TOKEN in production."
        )
    provider = describe(settings)
    if provider.offline:
        logger.warning(
            "LLM provider: OFFLINE built-in interviewer model (no GROQ_API_KEY set or "
            "INTERVIEWER_LLM=offline); replies do not come from %s",
            MODEL_NAME,
        )
    else:
        logger.info("LLM provider: %s (%s) at %s", provider.name, provider.model, provider.api_base)
    logger.info(
        "sessions and checkpoints in %s (lease %gs)", repo.database.where, repo.leases.seconds
    )


def open_repository_for(settings: Settings) -> SessionRepository:
    return open_repository(
        settings.database_url,
        str(settings.db_path),
        LeasePolicy.from_settings(settings),
        settings.db_pool_size,
    )


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    _export_llm_settings(settings)
    repo = open_repository_for(settings)
    _log_start(settings, repo)
    sweeper: asyncio.Task[None] | None = None
    try:
        # Constant time whatever the number of sessions: no recovery scan is needed, since a
        # turn that never committed left the session's head where it was. The schema is
        # brought to this release's version first (api/sessions/migrations.py).
        try:
            await repo.setup()
        except SchemaTooNew as exc:
            logger.error("%s", exc)
            raise
        if repo.applied:
            logger.info(
                "schema migrated to version %d (applied %s)", repo.applied[-1], repo.applied
            )
        service = InterviewService(
            build_graph(checkpointer=repo.saver),
            repo,
            settings.context(),
            max_active_turns=settings.max_active_turns,
            max_turns_per_session=settings.max_turns_per_session,
            stream_flush_interval=settings.stream_flush_ms / 1000,
            sessions_dir=settings.sessions_dir,
            turn_deadline=settings.turn_deadline_seconds,
        )
        app.state.repo = repo
        app.state.service = service
        # Everything loaded so far (LangGraph, LangChain, pydantic, the SDKs) lives as long as
        # the process; frozen, the collector stops re-scanning it, and its full collections
        # stop pausing every stream for hundreds of milliseconds under load.
        gc.collect()
        gc.freeze()
        sweeper = asyncio.create_task(run_sweeper(service, settings, replica_name()))
        yield
        await service.shutdown(grace=settings.shutdown_grace_seconds)
    finally:
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        await repo.close()


def _add_request_guard(app: FastAPI, settings: Settings) -> None:
    limits = BodyLimits(
        by_route={
            "create-session": settings.max_body_bytes_create,
            "chat": settings.max_body_bytes_chat,
        },
        default=settings.max_body_bytes_other,
    )
    app.add_middleware(
        RequestGuard,
        limits=limits,
        authenticate=authenticate if settings.admin_token is not None else None,
    )


def _add_cors(app: FastAPI, settings: Settings) -> None:
    # Outermost, so that every answer (a 401 or 413 of the request guard too) carries the
    # headers a browser needs to let the page read it, and preflights need no token.
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Accept", "Idempotency-Key"],
        expose_headers=["Retry-After", "X-Error-Code", "WWW-Authenticate", "X-Next-Cursor"],
        max_age=600,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    app = FastAPI(
        title="AI Interviewer API",
        description="Automated job interviews with Mia, streamed as plain text or SSE.",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,  # served by add_offline_docs, from the installed package
        redoc_url=None,
    )
    app.state.settings = settings = settings or get_settings()
    app.state.create_limit = CreateRateLimit(settings.create_rate_per_second, settings.create_burst)
    app.include_router(router)
    app.include_router(reports_router)
    app.include_router(oversight_router)
    install_handlers(app)  # the domain's errors, from the error table
    app.add_exception_handler(RequestValidationError, validation_error)
    quiet_aborted_turns()
    _add_request_guard(app, settings)
    _add_cors(app, settings)
    add_offline_docs(app)
    install_openapi(app, auth_on=settings.admin_token is not None)

    @app.get("/healthz", response_model=Health, tags=["ops"])
    async def healthz() -> Health:
        """Liveness: answers without touching the LLM or the database."""
        return Health(provider=describe(app.state.settings).name)

    mount_web(app)  # the candidate page and the admin console, at /app/
    return app


app = create_app()
