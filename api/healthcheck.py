"""`python -m api.healthcheck [PATH]`: exit 0 if the server of this machine answers PATH with 200.

The container image's HEALTHCHECK. It runs every 30 s inside the container, so it imports the
standard library only and reads the two settings it needs straight from the environment
(INTERVIEWER_HOST, INTERVIEWER_PORT) instead of importing the service's settings and its
dependencies. PATH defaults to `/healthz` (liveness: the process answers); a readiness endpoint
is probed by passing its path, e.g. `python -m api.healthcheck /readyz`.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

from api.landing import links, local_url

DEFAULT_PATH = links()["health"]
TIMEOUT_SECONDS = 3.0


def probe_url(path: str = DEFAULT_PATH, environ: dict[str, str] | None = None) -> str:
    """The URL of `path` on the server configured by INTERVIEWER_HOST and INTERVIEWER_PORT."""
    env = os.environ if environ is None else environ
    port = env.get("INTERVIEWER_PORT", "").strip() or "8000"
    return local_url(env.get("INTERVIEWER_HOST", "0.0.0.0"), port, path)


def check(url: str, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """None if `url` answers 200 within `timeout`, else why not."""
    # No proxy: a container's HTTP(S)_PROXY must not carry a probe of its own loopback away.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        return f"{url}: {exc}"
    return None if status == 200 else f"{url}: HTTP {status}"


def main(argv: list[str]) -> int:
    url = probe_url(argv[0] if argv else DEFAULT_PATH)
    problem = check(url)
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
