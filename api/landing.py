"""Where things are: the links of `GET /` (api/web.py) and of the start-up log, in one table.

Standard library only: the start-up log is written by `python -m api`'s supervisor before any
worker imports the app, and the container's health probe (api/healthcheck.py) builds its URL
with `local_url` every 30 s.
"""

from __future__ import annotations

import html
import logging

logger = logging.getLogger("api")

SERVICE = "AI Interviewer API"

LINKS: tuple[tuple[str, str, str], ...] = (
    ("console", "/app/admin", "Admin console: sessions, transcripts, reports and decisions"),
    ("docs", "/docs", "API documentation (Swagger UI)"),
    ("openapi", "/openapi.json", "OpenAPI document"),
    ("health", "/healthz", "Health (liveness)"),
    ("ready", "/readyz", "Readiness (database, evaluation process, draining)"),
)
"""(name, path, title) of each link; the start-up log shows all but the OpenAPI document."""

# A server bound to every address is reached on loopback from this machine.
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def local_url(host: str, port: int | str, path: str = "/") -> str:
    """The URL of `path` on a server bound to `host`:`port`, as a client on this machine
    reaches it."""
    host = _WILDCARDS.get(host.strip(), host.strip())
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}{path if path.startswith('/') else '/' + path}"


def links(root: str = "") -> dict[str, str]:
    """Link name -> path, under the app's root path (behind a proxy that mounts it there)."""
    return {name: f"{root}{path}" for name, path, _ in LINKS}


def page(root: str = "") -> str:
    """The landing page for a browser: the links, styled like the console, no script."""
    paths = links(root)
    items = "\n".join(
        f'      <li><a href="{html.escape(paths[name])}">{html.escape(title)}</a>'
        f" <code>{html.escape(paths[name])}</code></li>"
        for name, _, title in LINKS
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>{SERVICE}</title>
  <link rel="stylesheet" href="{html.escape(root)}/app/style.css">
</head>
<body>
  <main class="page">
    <h1>{SERVICE}</h1>
    <p>Automated job interviews with Mia, streamed as plain text or SSE.</p>
    <ul>
{items}
    </ul>
  </main>
</body>
</html>
"""


def log_links(host: str, port: int, workers: int) -> None:
    """Where the app is, logged once per server (by the supervisor, not by each worker)."""
    shown = ", ".join(
        f"{name} {local_url(host, port, path)}" for name, path, _ in LINKS if name != "openapi"
    )
    plural = "" if workers == 1 else "s"
    logger.info("Serving on %s:%s (%d worker%s): %s", host, port, workers, plural, shown)
