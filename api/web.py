"""The web app: the candidate's interview page and the admin console, as static files.

Pages and modules are plain files under `api/web/` (no build step, so `make run` needs no
Node). They call the API on the same origin, so no CORS is needed; tokens never appear in a
URL the server sees (the candidate's comes in the fragment, the admin's is typed in).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from api import landing
from graph import stages

WEB_DIR = Path(__file__).with_name("web")

# Only our own scripts, styles and API: an injected transcript can run nothing, and the pages
# cannot be framed (clickjacking) or leak their URL to another origin.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

router = APIRouter(prefix="/app", include_in_schema=False)
root_router = APIRouter(include_in_schema=False)


class Landing(BaseModel):
    """`GET /` for a client that is not a browser."""

    service: str = landing.SERVICE
    links: dict[str, str] = Field(description="Link name -> path on this server.")


@root_router.get("/", response_model=None)
async def landing_page(request: Request) -> Response:
    """Where things are (api/landing.py): a page for a browser, JSON for any other client."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    headers = {**PAGE_HEADERS, "Vary": "Accept"}
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(landing.page(root), headers=headers)
    body = Landing(links=landing.links(root))
    return JSONResponse(body.model_dump(), headers=headers)


def _page(name: str) -> FileResponse:
    return FileResponse(WEB_DIR / name, media_type="text/html", headers=PAGE_HEADERS)


@router.get("/")
async def app_root() -> RedirectResponse:
    return RedirectResponse("/app/admin")


@router.get("/admin")
async def admin_page() -> FileResponse:
    return _page("admin.html")


@router.get("/stages.js")
async def stages_module() -> Response:
    """The interview's stages for the pages, generated from the stage table (graph/stages.py):
    `STAGES`, each `{name, label, main}` in order, and `STAGE_LABELS`, name to label."""
    rows = [{"name": r.name, "label": r.label, "main": r.main} for r in stages.rows()]
    body = (
        "// Generated from graph/stages.py by api/web.py: the interview's stages, in order.\n"
        f"export const STAGES = Object.freeze({json.dumps(rows)});\n"
        "export const STAGE_LABELS = Object.freeze("
        "Object.fromEntries(STAGES.map((s) => [s.name, s.label])));\n"
    )
    headers = {k: v for k, v in PAGE_HEADERS.items() if k != "Content-Security-Policy"}
    return Response(body, media_type="text/javascript", headers=headers)


@router.get("/interview/{session_id}")
async def interview_page(session_id: str) -> FileResponse:
    """The page for any well-formed id: whether the session exists is for the API to say, to
    the holder of a token, so the page itself tells an outsider nothing."""
    try:
        uuid.UUID(session_id)
    except ValueError:
        raise HTTPException(status_code=404, detail="Not Found") from None
    return _page("interview.html")


def mount_web(app: FastAPI) -> None:
    """The pages' routes first, then every other file under /app/ as it is; and `GET /`."""
    app.include_router(root_router)
    app.include_router(router)
    app.mount("/app", StaticFiles(directory=WEB_DIR), name="web")
