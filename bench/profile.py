"""Sampling profiles of a server process with py-spy, summarised for the results file.

py-spy is not a dependency of the project: ``.venv/bin/python -m pip install py-spy`` brings it
(``make bench`` tries to). It attaches to the running server (``py-spy record --pid``, root or
``ptrace`` permission needed), samples only the thread holding the GIL (``--gil``: Python CPU
time, not idle waits) and writes collapsed stacks (``--format raw``), one ``a;b;c count`` line
per distinct stack. :func:`summarise` attributes every sample to the innermost frame that belongs
to a known layer (the groq SDK, LangChain, LangGraph, SQLite, the HTTP server, ...), so the table
says which layer the CPU goes to, and lists the functions that cost the most inclusive time.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Frames are normalised first (see _normalise): "func (package/module.py)". The innermost frame
# that matches a layer decides the sample's layer, so a frame's own layer beats its callers'.
LAYERS: tuple[tuple[str, str], ...] = (
    ("groq SDK: parse each streamed chunk", r"\(groq/_(?:streaming|models|compat)\.py"),
    ("groq SDK: build and send the request", r"\(groq/"),
    (
        "httpx/httpcore: the LLM connection",
        r"\((?:httpx|httpcore|h11)/|\(graph/llm/groq/transport\.py",
    ),
    ("LangChain: chat-model stream wrapper", r"\((?:langchain_groq|langchain_core)/"),
    ("LangGraph: checkpoint (de)serialisation", r"\(langgraph/checkpoint/(?:serde|base)"),
    (
        "SQLite: its thread, checkpointer, queries",
        r"\((?:aiosqlite/|langgraph/checkpoint/sqlite|api/sessions/sqlite)",
    ),
    ("LangGraph: Pregel loop, channels, state", r"\(langgraph/"),
    ("HTTP server: uvicorn, Starlette, FastAPI", r"\((?:uvicorn|starlette|fastapi|sse_starlette)/"),
    (
        "thread hand-offs: aiosqlite queue, thread pools",
        r"\((?:concurrent/futures/|threading\.py|queue\.py)",
    ),
    ("our code: api/", r"\(api/"),
    ("our code: graph/", r"\(graph/"),
    ("pydantic", r"\(pydantic(?:_core)?/"),
)
OTHER = "event loop and other"

# Wrapper frames every sample passes through: useless in a "hottest functions" list.
_TRIVIAL = re.compile(
    r"^(?:_run_module_as_main|_run_code|<module>|main|run|Server\.run|asyncio_run|Runner\.run|"
    r"Thread\._bootstrap(?:_inner)?|Thread\.run|_worker) "
)


def find_py_spy() -> str | None:
    """The py-spy executable next to this interpreter, or on PATH."""
    local = Path(sys.executable).with_name("py-spy")
    if local.exists():
        return str(local)
    return shutil.which("py-spy")


class Recorder:
    """``py-spy record`` attached to ``pid`` until :meth:`stop`."""

    def __init__(self, pid: int, out: Path, *, rate: int = 200) -> None:
        exe = find_py_spy()
        if exe is None:
            raise RuntimeError("py-spy is not installed")
        out.parent.mkdir(parents=True, exist_ok=True)
        self.out = out
        self._log = out.with_suffix(".log").open("wb")
        self.process = subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--gil",
                "--nolineno",
                "--nonblocking",
                "--full-filenames",
                "--output",
                str(out),
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        time.sleep(1.0)  # py-spy needs a moment to attach before the measured work starts
        if self.process.poll() is not None:
            self._log.close()
            raise RuntimeError(
                "py-spy exited at once: " + out.with_suffix(".log").read_text(errors="replace")
            )

    def stop(self) -> Path | None:
        """Stop sampling (SIGINT makes py-spy write its output); the raw file, if written."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        if self.out.exists() and self.out.stat().st_size > 0:
            self.out.with_suffix(".log").unlink(missing_ok=True)
            return self.out
        return None


@dataclass
class Summary:
    """Where the sampled CPU went."""

    samples: int
    layers: list[tuple[str, int]]
    hottest: list[tuple[str, int]]
    """(function, inclusive samples), wrappers left out."""
    probes: dict[str, int] = field(default_factory=dict)
    """Inclusive samples of a few functions named in the analysis."""

    def share(self, count: int) -> float:
        return count / self.samples if self.samples else 0.0


PROBES: dict[str, str] = {
    "groq `BaseModel.construct` per chunk": r"^BaseModel\.construct \(groq/_models\.py",
    "…of which `isinstance(config, _ConfigProtocol)` (typing_extensions)": (
        r"^_ProtocolMeta\.__instancecheck__ \(typing_extensions"
    ),
    "`InterviewService.snapshot` (`Pregel.aget_state`)": r"^InterviewService\.snapshot ",
    "checkpoint read (`get_tuple`)": r"^(?:Async)?SqliteSaver\.a?get_tuple ",
    "LangGraph `run_in_executor` (sync routing functions)": (
        r"^run_in_executor \(langchain_core/runnables/config\.py"
    ),
    "FastAPI `run_in_threadpool` (sync dependencies)": r"^run_in_threadpool \(starlette",
    "Starlette `StreamingResponse` (sending the reply)": r"^StreamingResponse\.stream_response ",
}


_ROOT = str(Path(__file__).resolve().parent.parent) + "/"


def _normalise(frame: str) -> str:
    """``func (/abs/.../site-packages/pkg/mod.py)`` -> ``func (pkg/mod.py)``; same for the repo."""
    frame = re.sub(r"\([^()]*/site-packages/", "(", frame)
    frame = frame.replace("(" + _ROOT, "(")
    return re.sub(r"\(/[^()]*/lib/python3\.\d+/", "(", frame)


def _layer(frame: str) -> str | None:
    if "(anyio/" in frame or "(sniffio/" in frame:
        return None  # a shim: the caller (httpcore's sockets, Starlette's threads) decides
    for name, pattern in LAYERS:
        if re.search(pattern, frame):
            return name
    return None


def summarise(raw: Path, top: int = 25) -> Summary:
    """Aggregate a py-spy raw (collapsed stacks) file."""
    layers: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_normalise(f) for f in stack.split(";")]
        total += count
        layer = next((name for f in reversed(frames) if (name := _layer(f))), OTHER)
        layers[layer] += count
        for frame in set(frames):
            inclusive[frame] += count
    hottest = [
        (frame, count)
        for frame, count in inclusive.most_common()
        if not _TRIVIAL.match(frame) and frame.strip()
    ][:top]
    probes = {
        label: max(
            (count for frame, count in inclusive.items() if re.search(pattern, frame)), default=0
        )
        for label, pattern in PROBES.items()
    }
    return Summary(samples=total, layers=layers.most_common(), hottest=hottest, probes=probes)


def markdown(summary: Summary, cpu_ms_per_turn: float | None, title: str) -> str:
    """The summary as Markdown: layers, named probes and hottest functions."""

    def ms(count: int) -> str:
        if cpu_ms_per_turn is None:
            return ""
        return f"{summary.share(count) * cpu_ms_per_turn:.2f}"

    lines = [
        f"**{title}** ({summary.samples} samples of the thread holding the GIL; ms/turn ="
        " share x measured server CPU per turn)",
        "",
        "| layer (innermost frame) | share | ≈ ms per turn |",
        "| --- | ---: | ---: |",
    ]
    for name, count in summary.layers:
        lines.append(f"| {name} | {summary.share(count):.1%} | {ms(count)} |")
    lines += ["", "| named cost (inclusive) | share | ≈ ms per turn |", "| --- | ---: | ---: |"]
    for label, count in summary.probes.items():
        lines.append(f"| {label} | {summary.share(count):.1%} | {ms(count)} |")
    lines += ["", "| hottest functions (inclusive) | share |", "| --- | ---: |"]
    for frame, count in summary.hottest:
        lines.append(f"| `{frame}` | {summary.share(count):.1%} |")
    return "\n".join(lines)
