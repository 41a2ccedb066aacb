"""Every score says what produced it (issue 18, item 6): the provenance of a report, the judge's
runs combined into one score, and a spread between runs marked `disagreement`."""

from __future__ import annotations

import json

from graph.context import Context
from graph.evaluation.aggregate import overall_of, skill_scores
from graph.evaluation.evidence import Proposal, ProposedQuote, check_question
from graph.evaluation.judge import JUDGE_RUNS, PROMPTS, SEEDS, combine
from graph.evaluation.markdown import render_markdown
from graph.evaluation.provenance import code_version, of_context, prompt_hashes
from graph.evaluation.report import Overall, Report
from graph.evaluation.transcript import QuestionTranscript
from graph.prompts import load_prompt

ANSWER = (
    "I would put a read-through cache in front of the database, keyed by tenant and id, and "
    "invalidate it on every write so readers never see stale rows for long."
)


def _question() -> QuestionTranscript:
    question = QuestionTranscript(
        number=1,
        stage="technical",
        skill="system design",
        question="How would you design a cache for a read-heavy API?",
    )
    question.answer(turn=3, text=ANSWER, follow_up=0)
    return question


def _run(score: int, gap: bool = False, communication: int = 4) -> Proposal:
    quote = ProposedQuote(quote="a read-through cache in front of the database", turn=3)
    return Proposal(
        number=1,
        score=score,
        quotes=[quote],
        rationale=f"Run scored {score}.",
        admitted_gap=gap,
        communication=communication,
        runs=[score],
    )


def test_the_judges_runs_combine_to_their_median_and_keep_every_score() -> None:
    combined = combine(1, [_run(2), _run(5), _run(4, communication=2)])
    assert combined is not None
    assert combined.score == 4 and combined.runs == [2, 5, 4]
    assert combined.rationale == "Run scored 4." and combined.communication == 4
    # A gap counts when most runs saw one; a run that never fit the schema is left out.
    one_of_two = combine(1, [_run(3, gap=True), _run(3), None])
    assert one_of_two is not None and not one_of_two.admitted_gap and one_of_two.runs == [3, 3]
    majority = combine(1, [_run(3, gap=True), _run(3, gap=True), _run(3)])
    assert majority is not None and majority.admitted_gap
    assert combine(1, [None, None, None]) is None


def test_runs_that_spread_by_more_than_one_point_are_a_disagreement_for_a_human() -> None:
    split = check_question(_question(), combine(1, [_run(2), _run(4), _run(4)]))
    assert split.status == "scored" and split.score == 4 and split.scored_by == "model"
    assert split.judge_scores == [2, 4, 4] and split.disagreement
    assert "Disagreement" in split.rationale
    close = check_question(_question(), combine(1, [_run(3), _run(4), _run(4)]))
    assert not close.disagreement and close.judge_scores == [3, 4, 4]
    overall = overall_of([split], skill_scores(["system design"], [split]))
    assert any("runs disagree (2, 4, 4/5)" in c for c in overall.concerns)


def test_provenance_names_the_evaluator_prompts_and_code_that_ran() -> None:
    offline = of_context(Context(llm="offline"))
    assert offline.evaluator == "offline-heuristic" and offline.prompt_hashes == {}
    assert offline.judge_runs == 1 and offline.temperature is None
    version, digest = code_version().split("+")
    assert version and len(digest) == 12
    hashes = prompt_hashes(PROMPTS)
    assert set(hashes) == set(PROMPTS) and all(len(h) == 16 for h in hashes.values())
    # A prompt's hash is the hash of its template text as loaded: an edit changes it.
    import hashlib

    text = load_prompt(PROMPTS[0])[0]
    assert hashes[PROMPTS[0]] == hashlib.sha256(text.encode()).hexdigest()[:16]
    assert JUDGE_RUNS == len(set(SEEDS)) == 3


def test_provenance_is_in_the_json_the_markdown_and_what_the_webhook_sends() -> None:
    from api.webhook import encode

    made = of_context(Context(llm="offline"))
    report = Report(
        session_id="s",
        generated_by="offline-heuristic",
        model="offline-heuristic",
        created_at="2026-12-02T10:00:00+00:00",
        overall=Overall(recommendation="insufficient_evidence", summary="Nothing."),
        provenance=made,
    )
    body = json.loads(encode(report.model_dump(mode="json")))
    assert body["provenance"]["evaluator"] == "offline-heuristic"
    assert body["provenance"]["code_version"] == made.code_version
    assert body["provenance"]["rubric_version"] == report.rubric_version
    markdown = render_markdown(report)
    assert f"evaluator `offline-heuristic`; rubric `{report.rubric_version}`" in markdown
    assert made.code_version in markdown
