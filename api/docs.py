"""`/docs` without the internet: Swagger UI's assets served from an installed package.

FastAPI's default page loads Swagger UI from a CDN, so on a machine without internet access
(or behind a strict proxy) `/docs` stays blank. The `swagger-ui-py` package ships the same
assets (Swagger UI 5, which reads our OpenAPI 3.1 document); they are served from
`/docs/assets`. ReDoc has no such package and is not offered.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"


def swagger_assets() -> Path:
    """The directory of Swagger UI's files inside the installed `swagger-ui-py` package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def add_offline_docs(app: FastAPI) -> None:
    """Serve `/docs` and its assets from this process (create the app with docs_url=None)."""
    app.mount(ASSETS, StaticFiles(directory=swagger_assets()), name="swagger-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - docs",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
        )
