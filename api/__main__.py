"""`python -m api`: serve `api.main:app` on INTERVIEWER_HOST:INTERVIEWER_PORT."""

import logging

import uvicorn

from api.config import get_settings


def main() -> None:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        "api.main:app",
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # Longer than the clients' own idle keep-alive (Node's and httpx's are 5 s), so the
        # server never closes a connection a client is just reusing.
        timeout_keep_alive=30,
        # Replies get the grace to finish (SSE ones then end with an error event); this is
        # the backstop after which uvicorn itself cancels what is left.
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 10,
    )


if __name__ == "__main__":
    main()
