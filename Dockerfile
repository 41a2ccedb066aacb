# The AI interviewer service: runtime dependencies only, as a non-root user.
#
#   docker build -t ai-interviewer .
#   docker build --network host --build-arg BASE_IMAGE="$(deploy/debian-base-image.sh)" -t ai-interviewer .
#
# BASE_IMAGE is any Debian bookworm image: debian:bookworm-slim from a registry (the default),
# or one made on a machine without a registry by deploy/debian-base-image.sh (debootstrap, then
# docker import). Needs BuildKit (the default builder of Docker 23+; DOCKER_BUILDKIT=1 before).
# Optional build secrets for pip, never stored in a layer:
#   --secret id=pip_ca,src=/path/to/ca-bundle.crt   behind a TLS-inspecting proxy
#   --secret id=pip_conf,src=/path/to/pip.conf       a private index (its credentials)
# See docs/DEPLOYMENT.md.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS base
# Python 3.11 and the CA certificates (TLS to the LLM provider); a base that has them already
# (the locally made one) needs no package index.
RUN if ! command -v python3 >/dev/null || [ ! -s /etc/ssl/certs/ca-certificates.crt ]; then \
        apt-get update && apt-get install -y --no-install-recommends python3 ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi

FROM base AS build
RUN if ! python3 -c "import ensurepip, venv" 2>/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends python3-venv \
        && rm -rf /var/lib/apt/lists/*; \
    fi
RUN python3 -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml ./
# The [project] dependencies of pyproject.toml and nothing else (no dev extra, not even pip in
# the end), in a layer of their own: a change to the code alone reuses it.
RUN --mount=type=secret,id=pip_ca --mount=type=secret,id=pip_conf \
    --mount=type=cache,target=/root/.cache/pip \
    set -e; \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi; \
    if [ -s /run/secrets/pip_conf ]; then export PIP_CONFIG_FILE=/run/secrets/pip_conf; fi; \
    /opt/venv/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt; \
    /opt/venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -r requirements.txt; \
    /opt/venv/bin/python -m pip uninstall --yes --quiet pip
COPY graph ./graph
COPY api ./api
COPY prompts ./prompts
COPY langgraph.json ./
RUN /opt/venv/bin/python -m compileall -q graph api

FROM base AS runtime
RUN groupadd --gid 10001 interviewer \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app --no-log-init \
        --shell /usr/sbin/nologin interviewer \
    && mkdir -p /data/sessions && chown -R interviewer:interviewer /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src /app
WORKDIR /app
# SQLite (one replica) and the saved-session files live under /data: mount a volume there.
# With INTERVIEWER_DATABASE_URL (PostgreSQL) sessions live in the database; several replicas
# share one. Everything else is an INTERVIEWER_* setting (docs/DEPLOYMENT.md).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    INTERVIEWER_HOST=0.0.0.0 \
    INTERVIEWER_PORT=8000 \
    INTERVIEWER_DB_PATH=/data/interviews.sqlite \
    INTERVIEWER_SESSIONS_DIR=/data/sessions
USER interviewer:interviewer
EXPOSE 8000
# Liveness (the process answers). When the service has a readiness endpoint, an orchestrator
# that routes traffic should probe that instead: `python -m api.healthcheck /readyz`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "api.healthcheck"]
CMD ["python", "-m", "api"]
