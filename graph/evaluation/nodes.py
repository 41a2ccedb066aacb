"""The evaluator's nodes: small async steps, each returning a partial update."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from langgraph.runtime import Runtime

from graph.context import Context
from graph.evaluation import heuristic, judge
from graph.evaluation.aggregate import overall_of, skill_scores
from graph.evaluation.evidence import check_question
from graph.evaluation.markdown import render_markdown
from graph.evaluation.provenance import of_context
from graph.evaluation.report import FlaggedEvent, Integrity, ProcessRequest, Report, Usage
from graph.evaluation.state import EvaluationState
from graph.evaluation.transcript import collect_questions
from graph.integrity import probe_outcomes, section
from graph.llm import describe


async def collect_answers(state: EvaluationState) -> dict[str, Any]:
    """Group the transcript by main question: the question, its follow-ups, the answers."""
    return {"questions": collect_questions(state)}


async def propose_scores(state: EvaluationState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Per answered question, a proposed score with quotes: from the provider's LLM, or the
    heuristic when it has none (offline)."""
    provider = describe(runtime.context)
    if provider.structured_output:
        proposals, usage = await judge.propose_all(state.questions, state.settings, runtime.context)
        return {
            "generated_by": provider.name,
            "model": provider.model,
            "usage": usage,
            "proposals": [p for p in proposals.values() if p is not None],
            "provenance": of_context(runtime.context),
        }
    return {
        "generated_by": heuristic.GENERATED_BY,
        "usage": Usage(),
        "proposals": [heuristic.assess(q) for q in state.questions if q.answered],
        "provenance": of_context(runtime.context),
    }


async def check_evidence(state: EvaluationState) -> dict[str, Any]:
    """Keep of each proposal only what the candidate's own words support."""
    by_number = {p.number: p for p in state.proposals}
    return {"checked": [check_question(q, by_number.get(q.number)) for q in state.questions]}


async def aggregate_scores(state: EvaluationState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Skill scores, the overall and the recommendation, by the documented rules."""
    info = runtime.execution_info
    session_id = state.session_id or (info.thread_id if info else None) or ""
    skills = skill_scores(state.settings.skills, state.checked)
    signals = section(state)
    generated_by = state.generated_by or heuristic.GENERATED_BY
    report = Report(
        session_id=session_id,
        generated_by=generated_by,
        model=state.model if generated_by != heuristic.GENERATED_BY else heuristic.GENERATED_BY,
        created_at=datetime.now(UTC).isoformat(),
        candidate_name=state.candidate_name,
        job_position=state.settings.job_position,
        questions=state.checked,
        skills=skills,
        overall=overall_of(
            state.checked, skills, state.candidate_name, state.potential_cheat_attempts
        ),
        integrity=Integrity(
            potential_cheat_attempts=state.potential_cheat_attempts,
            events=[FlaggedEvent.model_validate(e.model_dump()) for e in state.cheat_events],
            process_requests=[
                ProcessRequest.model_validate(e.model_dump()) for e in state.process_events
            ],
            answer_signals=signals.answers,
            signals_summary=signals.summary,
            depth_probes=probe_outcomes(state),
        ),
        usage=state.usage,
        provenance=state.provenance or of_context(runtime.context),
    )
    return {"report": report}


async def render_scorecard(state: EvaluationState) -> dict[str, Any]:
    """The report as a Markdown scorecard."""
    return {"markdown": render_markdown(state.report) if state.report else ""}
