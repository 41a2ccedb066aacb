"""A scorecard that never rewards silence (issue 18, item 4).

The findings of the issue's "scorecard rewards saying little" list, each pinned, then the
invariants as property tests over a pool of questions and answers written for these tests: for
the same question, detailed on-topic > short on-topic > gap = pass = off-topic = one word; an
added off-topic sentence never raises a score; every reply a non-answer gives `no_hire`;
`insufficient_evidence` describes the interview, never a weak answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.evaluation import heuristic
from graph.evaluation.aggregate import overall_of, skill_scores
from graph.evaluation.evidence import check_question
from graph.evaluation.report import Overall, QuestionReport, SkillReport
from graph.evaluation.transcript import QuestionTranscript
from graph.state import MainStage


def transcript(
    question: str, *replies: str, stage: MainStage = "technical", skill: str | None = "python"
) -> QuestionTranscript:
    """Main question 1, asked, with the candidate's replies (the first to the question, the
    others to follow-ups)."""
    built = QuestionTranscript(
        number=1,
        stage=stage,
        skill=skill if stage == "technical" else None,
        question=question,
        follow_ups=[f"Follow-up {i}?" for i in range(1, len(replies))],
    )
    for i, reply in enumerate(replies):
        built.answer(turn=3 + 2 * i, text=reply, follow_up=i)
    return built


def checked(question: QuestionTranscript) -> QuestionReport:
    """The offline evaluator's verified report on one question."""
    return check_question(question, heuristic.assess(question) if question.answered else None)


def score(question: QuestionTranscript) -> int:
    report = checked(question)
    assert report.status == "scored" and report.score is not None, report
    return report.score


def verdict(reports: list[QuestionReport], skills: list[str]) -> tuple[Overall, list[SkillReport]]:
    numbered = [r.model_copy(update={"number": i + 1}) for i, r in enumerate(reports)]
    per_skill = skill_scores(skills, numbered)
    return overall_of(numbered, per_skill), per_skill


PROFILE = (
    "How would you profile and speed up a slow Python service? Walk me through the tools and "
    "the order in which you'd try things."
)
ASYNCIO = (
    "How does asyncio work, and what happens if you call a blocking function inside a coroutine?"
)
WHY_US = "Why do you want to work for us?"
CSS = "Which recent CSS feature has changed how you build components, and why?"


# --- the findings -------------------------------------------------------------------------


def test_a_weak_candidate_is_no_hire_not_insufficient_evidence() -> None:
    # The weak candidate got 2.1/10 and `insufficient_evidence`: silence was safer
    # than a wrong answer.
    replies = [
        (PROFILE, "I don't know."),
        ("How would you design a job scheduler for millions of delayed tasks?", "DAGs"),
        ("What is the difference between a Pod and a Deployment in Kubernetes?", "they run stuff"),
        ("Which file format would you export the report in?", "a csv one"),
        (
            ASYNCIO,
            "Honestly the thing I care most about right now is football, I play every Sunday.",
        ),
        ("What are generators in Python?", "Can I skip this one?"),
    ]
    reports = [checked(transcript(q, a)) for q, a in replies]
    assert [r.score for r in reports] == [1] * 6
    assert [r.non_answer for r in reports] == [
        "gap",
        "one_word",
        "one_word",
        "one_word",
        "off_topic",
        "pass",
    ]
    overall, _ = verdict(reports, ["python"])
    assert overall.recommendation == "no_hire"
    assert overall.reached == overall.planned == 6


def test_the_football_answer_scores_no_better_than_i_dont_know() -> None:
    football = checked(
        transcript(
            PROFILE,
            "Honestly the thing I care most about right now is football, I play every Sunday "
            "and we won the league last season.",
        )
    )
    gap = checked(transcript(PROFILE, "I don't know."))
    assert football.score == gap.score == 1
    assert football.non_answer == "off_topic" and football.communication == 1
    # The answer is quoted, so a reviewer sees why.
    assert football.evidence and "football" in football.evidence[0].quote


def test_short_valid_answers_are_scored_on_their_content() -> None:
    why = checked(
        transcript(WHY_US, "Because your product is used by millions.", stage="custom", skill=None)
    )
    assert why.status == "scored" and why.non_answer is None and why.score is not None
    assert why.score >= 2 and why.evidence
    css = checked(
        transcript(
            CSS,
            "Container queries, because components can finally respond to their own size "
            "rather than the viewport.",
            stage="custom",
            skill=None,
        )
    )
    assert css.status == "scored" and css.score is not None and css.score >= 3


def test_evidence_quotes_never_cut_inside_identifiers() -> None:
    answer = (
        "If you call a blocking function such as requests.get inside a coroutine, the event "
        "loop stalls until it returns, so every other task waits. Use aiohttp or "
        "asyncio.to_thread instead, and keep customer_id lookups off the loop."
    )
    report = checked(transcript(ASYNCIO, answer))
    quotes = [e.quote for e in report.evidence]
    assert any("requests.get inside a coroutine" in q for q in quotes), quotes
    for quote in quotes:
        assert not quote.endswith(("requests", "asyncio", "customer")), quotes


def test_an_uncovered_core_skill_caps_the_recommendation_below_strong_hire() -> None:
    strong = QuestionReport(
        number=1,
        stage="technical",
        skill="python",
        question="Q?",
        status="scored",
        score=5,
        communication=5,
    )
    overall, skills = verdict([strong, strong, strong], ["python", "PostgreSQL"])
    assert overall.score is not None and overall.score >= 8.5
    assert overall.recommendation == "hire"
    assert [u.skill for u in overall.uncovered_skills] == ["PostgreSQL"]
    reason = overall.uncovered_skills[0].reason
    assert "no technical question was planned on it" in reason
    assert "2 skills listed, 3 technical question(s) planned" in reason
    assert "PostgreSQL" in overall.summary and "capped at hire" in overall.summary
    assert any(c.startswith("Skill PostgreSQL: Not covered") for c in overall.concerns)
    assert next(s for s in skills if s.skill == "PostgreSQL").score is None


def test_a_skill_whose_question_was_never_reached_says_so() -> None:
    reached = QuestionReport(
        number=1, stage="technical", skill="python", question="Q?", status="scored", score=5
    )
    unreached = QuestionReport(
        number=2, stage="technical", skill="sql", question="Q?", asked=False, status="not_reached"
    )
    overall, _ = verdict([reached, reached, unreached], ["python", "sql"])
    assert overall.uncovered_skills[0].skill == "sql"
    assert "the interview ended before its question (Q3)" in overall.uncovered_skills[0].reason


def test_insufficient_evidence_describes_the_interview_not_a_weak_answer() -> None:
    asked = checked(transcript(PROFILE, "I don't know."))
    never = QuestionReport(
        number=2, stage="technical", question="Q?", asked=False, status="not_reached"
    )
    # One of four questions reached (the interview ended early): too little to judge.
    early, _ = verdict([asked, never, never, never], ["python"])
    assert early.recommendation == "insufficient_evidence"
    assert (early.planned, early.reached) == (4, 1)
    assert "reached 1 of 4" in early.summary
    # Two of four reached, both non-answers: a verdict, and a clear one.
    half, _ = verdict([asked, asked, never, never], ["python"])
    assert half.recommendation == "no_hire"


def test_a_question_never_reached_is_not_a_low_score() -> None:
    report = check_question(
        QuestionTranscript(number=3, stage="custom", question="Why us?", asked=False), None
    )
    assert report.status == "not_reached" and report.score is None
    assert report.communication is None and report.evidence == []


def test_a_hedge_followed_by_content_is_an_answer_not_a_gap() -> None:
    hedged = checked(
        transcript(
            ASYNCIO,
            "I'm not sure about every detail, but there is one event loop that runs the "
            "coroutines, and at each await it switches to another ready task; a blocking call "
            "freezes the loop, so nothing else runs until it returns.",
        )
    )
    assert hedged.non_answer is None and hedged.score is not None and hedged.score >= 3


# --- the invariants, as properties -------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A question with answers of each kind, written for these tests."""

    question: str
    stage: MainStage
    skill: str | None
    detailed: str
    short: str
    one_word: str


SPECS = [
    Spec(
        question="What are generators in Python, and when would you use one instead of "
        "building a list?",
        stage="technical",
        skill="python",
        detailed=(
            "A generator is a function with yield: calling it returns an iterator that runs "
            "the body lazily, one value per next() call, and keeps its frame between calls. "
            "I used one in our CSV importer to stream 40 GB of rows through itertools.islice "
            "in batches of 1000, because a list would have held every row in memory; peak "
            "memory went from 12 GB to 80 MB. Generators are single-pass, so when callers need "
            "len() or to iterate twice I build a list instead."
        ),
        short="A generator yields values lazily, so a large stream never sits in memory.",
        one_word="yield",
    ),
    Spec(
        question="How do indexes speed up queries, and when can an index make things slower "
        "or be ignored by the query planner?",
        stage="technical",
        skill="sql",
        detailed=(
            "A B-tree index keeps the keys sorted, so the planner can seek to a range in "
            "log(n) page reads instead of scanning the table. Every insert and update must "
            "maintain it too, so on our events table with 30 million rows we dropped two "
            "unused indexes and write latency fell by 25%. The planner ignores an index when "
            "the predicate matches a large share of rows, or when the query wraps the column "
            "in a function such as lower(email); I check that with EXPLAIN ANALYZE."
        ),
        short="Indexes keep keys sorted so lookups skip the full scan, but writes get slower.",
        one_word="B-trees.",
    ),
    Spec(
        question="Tell me about a mistake you made that affected other people. How did you "
        "handle it, and what changed afterwards?",
        stage="behavioral",
        skill=None,
        detailed=(
            "In my last role I ran a database migration on a Friday that locked the orders "
            "table for 11 minutes, and the support team had customers calling. I told my "
            "manager at once, rolled the migration back, and wrote the incident report myself "
            "the same evening. Afterwards I added a checklist step to our deploy pipeline: "
            "migrations run in batches with a lock timeout, and never on Fridays."
        ),
        short="I broke a deploy once, told the team right away and we added a review step.",
        one_word="Deploys.",
    ),
    Spec(
        question="What would you want to learn in your first six months with our team?",
        stage="custom",
        skill=None,
        detailed=(
            "First, how your billing pipeline handles retries, because I have built payment "
            "integrations with Stripe and know how duplicate charges creep in. I would like to "
            "pair with the on-call engineer for a rotation, read the last ten incident "
            "reports, and ship one small fix to the reconciliation job in my first month, so "
            "I learn the code and the deploy process end to end."
        ),
        short="How your billing pipeline works, since I have built payment integrations before.",
        one_word="Billing.",
    ),
]
GAPS = ["I don't know.", "dunno", "No idea, sorry.", "Never used it.", "I'd have to look that up."]
PASSES = ["skip", "Can we skip this one?", "Next question, please.", "pass"]
OFF_TOPIC = [
    "By the way, is there parking near the office?",
    "I really love football, I play every Sunday.",
    "What is the salary range for this position?",
    "My cat just walked across the keyboard, sorry.",
]


def _transcript(spec: Spec, reply: str) -> QuestionTranscript:
    return transcript(spec.question, reply, stage=spec.stage, skill=spec.skill)


@st.composite
def non_answers(draw: st.DrawFn, spec: Spec) -> str:
    kind = draw(st.sampled_from(["gap", "pass", "off_topic", "one_word", "blank"]))
    if kind == "one_word":
        return spec.one_word
    if kind == "blank":
        return draw(st.sampled_from(["", "   ", "...", "?"]))
    return draw(st.sampled_from({"gap": GAPS, "pass": PASSES, "off_topic": OFF_TOPIC}[kind]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), spec=st.sampled_from(SPECS))
def test_detailed_beats_short_beats_every_non_answer_which_all_score_alike(
    data: st.DataObject, spec: Spec
) -> None:
    detailed = score(_transcript(spec, spec.detailed))
    short = score(_transcript(spec, spec.short))
    silent = score(_transcript(spec, data.draw(non_answers(spec))))
    assert detailed > short > silent == 1


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=st.sampled_from(SPECS),
    kind=st.sampled_from(["detailed", "short", "one_word", "gap", "pass"]),
    extra=st.lists(st.sampled_from(OFF_TOPIC), min_size=1, max_size=3),
    before=st.booleans(),
)
def test_an_added_off_topic_sentence_never_raises_a_score(
    spec: Spec, kind: str, extra: list[str], before: bool
) -> None:
    base = {
        "detailed": spec.detailed,
        "short": spec.short,
        "one_word": spec.one_word,
        "gap": GAPS[0],
        "pass": PASSES[0],
    }[kind]
    base = base if base.endswith((".", "?", "!")) else base + "."
    noise = " ".join(extra)
    padded = f"{noise} {base}" if before else f"{base} {noise}"
    assert score(_transcript(spec, padded)) <= score(_transcript(spec, base))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), count=st.integers(min_value=1, max_value=8))
def test_a_candidate_whose_every_reply_is_a_non_answer_is_no_hire(
    data: st.DataObject, count: int
) -> None:
    specs = [data.draw(st.sampled_from(SPECS)) for _ in range(count)]
    reports = [checked(_transcript(s, data.draw(non_answers(s)))) for s in specs]
    assert all(r.score == 1 and r.non_answer is not None for r in reports)
    skills = sorted({s.skill for s in specs if s.skill}) or ["python"]
    overall, _ = verdict(reports, skills)
    assert overall.recommendation == "no_hire"
