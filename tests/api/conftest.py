"""Fixtures of the API tests: real servers on loopback ports, and clients for them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.groq_server import GroqStubServer, StubConfig
from tests.support.server import Api, SubprocessServer, ThreadedServer, offline_settings


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    """One server for the tests that only need fresh sessions (each test makes its own)."""
    with ThreadedServer(offline_settings(tmp_path_factory.mktemp("shared"))) as server:
        yield server


@pytest.fixture
def api(shared_server: ThreadedServer) -> Iterator[Api]:
    with Api(shared_server.base_url) as client:
        yield client


@pytest.fixture
def groq_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[GroqStubServer]:
    """The Groq-protocol stub, and the environment that points the service's ChatGroq at it."""
    with GroqStubServer(StubConfig(reply_words=30)) as stub:
        monkeypatch.setenv("GROQ_API_KEY", "test-key")
        monkeypatch.setenv("GROQ_API_BASE", stub.base_url)
        yield stub


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ThreadedServer]]:
    """Start a server of its own with some settings changed (stopped after the test)."""
    servers: list[ThreadedServer] = []

    def make(**overrides: Any) -> ThreadedServer:
        root = tmp_path / f"server{len(servers)}"
        server = ThreadedServer(offline_settings(root, **overrides)).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def make_process(tmp_path: Path) -> Iterator[Callable[..., SubprocessServer]]:
    """Start `python -m api` processes sharing tmp_path (killed after the test if still up)."""
    processes: list[SubprocessServer] = []

    def make(**env: str) -> SubprocessServer:
        process = SubprocessServer(tmp_path, **env).launch()
        processes.append(process)  # recorded before it is ready: a failed start is killed too
        return process.wait_ready()

    yield make
    for process in processes:
        process.kill()


@pytest.fixture
def make_processes(tmp_path: Path) -> Iterator[Callable[..., list[SubprocessServer]]]:
    """Like `make_process`, several at once: `make_processes(env_a, env_b)` launches them
    together and returns once all answer (a start-up is mostly imports, which then overlap)."""
    processes: list[SubprocessServer] = []

    def make(*envs: dict[str, str]) -> list[SubprocessServer]:
        launched = [SubprocessServer(tmp_path, **env).launch() for env in envs]
        processes.extend(launched)
        return [process.wait_ready() for process in launched]

    yield make
    for process in processes:
        process.kill()
