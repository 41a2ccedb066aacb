"""What produced a report's scores: the evaluator, the rubric, the prompts and the code.

A hiring team must be able to answer for a score: which model (or our offline heuristic) proposed
it, under which rubric version, from which prompt texts, with which code. The prompt hashes and
the code version are digests of what actually ran, so two reports compare only when they match.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from graph.context import Context
from graph.evaluation.report import RUBRIC_VERSION, Provenance
from graph.llm import describe
from graph.prompts import load_prompt

DISTRIBUTION = "ai-interviewer"
# The code that decides a score: the evaluator, and the answer understanding it reads.
_GRAPH = Path(__file__).resolve().parent.parent
_SCORING_CODE = ("evaluation", "language")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def prompt_hashes(names: tuple[str, ...]) -> dict[str, str]:
    """Each prompt's template text as loaded (an override included), as a short SHA-256."""
    return {name: _digest(load_prompt(name)[0].encode()) for name in names}


def code_version() -> str:
    """`<package version>+<digest of the scoring code>`: the evaluator's and graph/language's
    Python files, so an edited heuristic shows even under an unchanged package version."""
    return _CODE_VERSION


def _code_version() -> str:
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    digest = hashlib.sha256()
    for folder in _SCORING_CODE:
        for path in sorted((_GRAPH / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


def provenance(
    evaluator: str,
    prompts: tuple[str, ...] = (),
    runs: int = 1,
    seeds: tuple[int, ...] = (),
    temperature: float | None = None,
) -> Provenance:
    """The provenance of a report whose scores `evaluator` proposed."""
    return Provenance(
        evaluator=evaluator,
        rubric_version=RUBRIC_VERSION,
        prompt_hashes=prompt_hashes(prompts),
        code_version=code_version(),
        judge_runs=runs,
        seeds=list(seeds),
        temperature=temperature,
    )


def of_context(context: Context) -> Provenance:
    """The provenance of the scores an evaluation under `context` makes: the provider's judge
    (its prompts, runs and seeds) when it answers structured calls, else the heuristic."""
    from graph.evaluation import heuristic, judge  # they import the report models, as we do

    provider = describe(context)
    if not provider.structured_output:
        return provenance(heuristic.GENERATED_BY)
    return provenance(
        f"{provider.name}:{provider.model}",
        prompts=judge.PROMPTS,
        runs=judge.JUDGE_RUNS,
        seeds=judge.SEEDS,
        temperature=judge.JUDGE_TEMPERATURE,
    )


# Read once, at import: an evaluation node runs on the event loop, where reading files would
# block every other run (the LangGraph API server refuses such blocking calls outright).
_CODE_VERSION = _code_version()
