"""The results file that ``python -m bench`` writes: the table (:mod:`bench.figures`), the
misses, how each figure is measured, the detail sections (:mod:`bench.sections`) and, last, the
analysis of the profiles kept by hand in ``bench/analysis.md``."""

from __future__ import annotations

from pathlib import Path

from bench import sections
from bench.figures import figures, table
from bench.measurements import Measurements

ANALYSIS = Path(__file__).resolve().parent / "analysis.md"


def render(m: Measurements) -> str:
    """The whole results file."""
    rows = figures(m)
    date = m.started_at.strftime("%Y-%m-%d %H:%M UTC")
    smoke = " (SMOKE RUN: tiny settings, figures are not meaningful)" if m.options.smoke else ""
    parts = [
        f"# Benchmark: whole interviews over HTTP{smoke}",
        "",
        f"Run on {date} with `{m.options.command}` (what `make bench` runs), on the tree"
        f" {getattr(m, 'commit', '') or 'not recorded'}.",
        "",
        "## Machine",
        "",
        *sections.machine(),
        "",
        "## Settings",
        "",
        *sections.settings(m),
        "",
        "## Results",
        "",
        "ratio = ours ÷ baseline. TTFB = time from sending a turn's request to the first"
        " non-empty chunk of its streamed reply, as the client reads it; the LLM's own"
        f" {m.options.ttft_ms:g} ms to first token is subtracted. Baseline cells marked ≥ include"
        " turns still waiting at the deadline (counted at their wait so far), so the true value"
        " is higher.",
        "",
        table(m),
        "",
        "## Misses",
        "",
        *sections.misses(m, rows),
        "",
        "## How each figure is measured",
        "",
        "- **TTFB less LLM first-token time**: every streamed turn (start and chat) of every"
        " candidate in the run; nearest-rank percentiles.",
        "- **errors**: turns that failed as the client sees them (HTTP error, broken or empty"
        " stream, no end marker) plus ERROR lines in the server's log (a turn that fails after its"
        " first byte cannot be seen by a plain-text client: it is rolled back).",
        "- **prompt tokens / LLM requests per candidate turn**: the stub's counts of the"
        " streamed requests (the interview's own; the evaluation report's calls after an"
        " interview are not streamed and are costed in `bench/evaluation.md`) over the"
        " zero-latency interviews ÷ candidate messages (`chat` requests; the greeting is a turn"
        " with an LLM request but no candidate message). The stub counts"
        " `ceil(len(text)/4) + 4` per message.",
        "- **server CPU per turn**: user + system CPU of the server process (all threads; with"
        " several workers, the supervisor and every worker; not the evaluation worker process,"
        " see `bench/evaluation.md`) over the zero-latency interviews ÷ streamed turns; shown as"
        " turns per CPU-second. One process' event loop runs on one core at a time (the GIL);"
        " `INTERVIEWER_WORKERS` processes use that many cores.",
        "- **most concurrent interviews**: the capacity search below (Capacity); the baseline is"
        " not searched, its turns/s at its largest latency run says what it could hold.",
        "- **SQLite bytes per finished interview**: size of the database file (+ WAL, after"
        " `PRAGMA wal_checkpoint(TRUNCATE)` on the stopped server) ÷ finished interviews.",
        "- **RSS growth per 1,000 idle sessions**: `VmRSS` of a fresh, warmed-up server"
        " through two rounds of N sessions: created (`create-session`), then started"
        " (`start-interview`: the greeting was streamed and the session waits for the"
        " candidate). The table shows round 2 (created: growth over its creation; started:"
        " growth over its creation and greetings), scaled to 1,000; see Memory for round 1.",
        "- **/healthz p99**: a poller GETs `/healthz` every"
        f" {m.options.healthz_interval_s * 1000:g} ms during the run with the most interviews.",
        "",
        "## Runs",
        "",
        *sections.runs(m),
        "",
        "## Capacity: concurrent interviews at a realistic pace, and workers",
        "",
        *sections.capacity(m),
        "",
        "## Two replicas on PostgreSQL",
        "",
        *sections.postgres(m),
        "",
        "## SQLite: what grows it",
        "",
        *sections.storage(m),
        "",
        "## Memory",
        "",
        *sections.memory(m),
        "",
        "## Profiles",
        "",
        *sections.profiles(m),
        "",
        "## Notes",
        "",
        "- The baseline (`bench/baseline_server.py`) is the seed's design written for the bench:"
        " sessions in a dict, one monolithic system prompt with the whole plan, the full history"
        " re-sent every turn, the synchronous `ChatGroq.stream()` iterated inside an async"
        " endpoint's StreamingResponse. It blocks its event loop for each whole LLM stream, so"
        " its turns run one at a time: a whole run of the larger concurrency would take many"
        " minutes, hence its deadline. Its prompt-token and CPU figures come from whole"
        " interviews (zero-latency run).",
        sections.probe_note(m),
        sections.load_note(m),
        "- The LangGraph API server (`langgraph dev` / `make studio`) is the other competitor"
        " named in the issue; it is not measured here.",
    ]
    if ANALYSIS.exists():
        parts += ["", ANALYSIS.read_text(encoding="utf-8").strip()]
    return "\n".join(parts) + "\n"
