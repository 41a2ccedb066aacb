"""The offline interviewer sounds like a careful person: phrasing that fits the answer, no
template used twice in one interview, skills spelled properly, closings that vary."""

from __future__ import annotations

import re

import pytest

from graph.llm.offline import load_question_bank, quotable_phrases, render_reply
from graph.skills import load_skills
from graph.tasks import AnswerKind, FollowUpKind, Plan, ReplyTask

BANK = load_question_bank()


def _lead(reply: str) -> str:
    parts = [p for p in re.split(r"\n\s*\n", reply) if p.strip()]
    return parts[0] if len(parts) > 1 else ""


@pytest.mark.parametrize(
    ("skill", "shown", "bank"),
    [
        ("terraform", "Terraform", "terraform"),
        ("graphql", "GraphQL", "graphql"),
        ("postgresql", "PostgreSQL", "sql"),
        ("kafka", "Kafka", None),
        ("fastapi", "FastAPI", None),
    ],
)
def test_skills_are_named_in_their_proper_form(skill: str, shown: str, bank: str | None) -> None:
    reply = render_reply(ReplyTask(kind="technical", number=1, of=1, skill=skill, seed=3))
    assert shown in reply
    assert skill not in reply.replace(shown, "")
    assert "API design" not in reply
    if bank is not None:
        assert reply.split("\n\n")[-1] in load_skills().technical[bank]


def test_acknowledgement_never_quotes_a_single_word_or_words_not_said() -> None:
    answers = ["API.", "Happy to help with S3 and GraphQL POSTs bypass caching", "Use S3."]
    for seed in range(40):
        for answer in answers:
            task = ReplyTask(kind="behavioral", number=2, of=3, last_answer=answer, seed=seed)
            for quoted in re.findall(r"(?<!\w)'([^']+)'(?!\w)", _lead(render_reply(task))):
                assert len(quoted.split()) >= 2 and quoted in answer


@pytest.mark.parametrize(
    ("answer", "kind", "pool"),
    [
        ("Honestly, I don't know the isolation levels.", "gap", BANK.no_answer_acks),
        ("Can I pass on this one?", "passed", BANK.pass_acks),
        (
            "Parking in Oakland is expensive and the ferry is slow in fog.",
            "off_topic",
            BANK.move_on_acks,
        ),
        ("Poetry with lock files.", "short", BANK.short_acks),
    ],
)
def test_acknowledgement_tone_fits_the_answer(
    answer: str, kind: AnswerKind, pool: list[str]
) -> None:
    for seed in range(10):
        task = ReplyTask(
            kind="technical", number=2, of=3, last_answer=answer, answer_kind=kind, seed=seed
        )
        lead = _lead(render_reply(task))
        assert any(lead.startswith(p) for p in pool), lead
        assert "explain" not in lead.lower()


def test_no_follow_up_skeleton_is_used_twice_in_one_interview() -> None:
    said: list[str] = []
    answers = [
        "We used a write-through cache with Redis and a short TTL for hot keys.",
        "A worker pool with a bounded queue and exponential backoff on the retries.",
        "Composite indexes on tenant_id and created_at, plus a materialized view.",
        "Idempotency keys on every request and a dead-letter queue for poison messages.",
        "Blue-green deployments with automated rollback on error-rate alarms.",
        "Read replicas for reporting and connection pooling with PgBouncer.",
    ]
    kinds: list[FollowUpKind] = ["explain", "deeper", "edge_case", "trade_off"]
    for number in range(12):
        task = ReplyTask(
            kind="follow_up",
            number=1 + number % 2,
            of=2,
            skill="python",
            question="How would you speed up a slow service?",
            last_answer=answers[number % len(answers)],
            follow_up_kind=kinds[number % len(kinds)],
            said=list(said),
            asked=list(said),
            seed=11,
        )
        said.append(render_reply(task))
    frames = [re.sub(r"'[^']*'", "_", s) for s in said]
    assert len(frames) == len(set(frames)), frames


def test_short_answer_is_quoted_whole_in_a_clarifying_question() -> None:
    task = ReplyTask(
        kind="follow_up",
        number=1,
        of=2,
        skill="python",
        question="How would you manage dependencies for a Python project?",
        last_answer="Poetry with lock files.",
        follow_up_kind="clarify",
    )
    reply = render_reply(task)
    assert "'Poetry with lock files'" in reply and reply.endswith("?")


def test_quotable_phrases_skip_fragments_ending_on_a_verb() -> None:
    phrases = quotable_phrases("GraphQL POSTs bypass the CDN cache, so we used persisted queries")
    assert "GraphQL POSTs bypass" not in phrases
    assert all(len(p.split()) >= 2 for p in phrases)


def test_closings_vary_across_sessions_and_never_praise() -> None:
    closings = {
        render_reply(ReplyTask(kind="closing", candidate_name="Ana", seed=seed))
        for seed in range(5)
    }
    assert len(closings) >= 4
    assert not any("thoughtful" in c for c in closings)


def test_an_early_end_says_so_instead_of_everything_covered() -> None:
    reply = render_reply(ReplyTask(kind="closing", ended_early=True, seed=1))
    assert reply.split("\n\n")[0] in [t.replace(", {name}", "") for t in BANK.closing_thanks_early]


def test_transitions_and_skill_intros_are_not_reused_within_an_interview() -> None:
    said: list[str] = []
    for number, skill in enumerate(["python", "sql", "docker", "go", "rust"], start=1):
        task = ReplyTask(
            kind="technical",
            number=number,
            of=5,
            skill=skill,
            said=list(said),
            seed=5,
            last_answer="We sharded by tenant and cached the hot reads in Redis.",
        )
        said.append(render_reply(task))
    leads = [_lead(s) for s in said]
    sentences = [s for lead in leads for s in re.split(r"(?<=[.!?])\s+", lead) if s]
    frames = [re.sub(r"'[^']*'|Python|SQL|Docker|Go|Rust", "_", s) for s in sentences]
    assert len(frames) == len(set(frames)), frames


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        (Plan(behavioral=0, technical=0), "Today we'll keep it to"),
        (Plan(behavioral=1, technical=0), "one behavioral question"),
        (Plan(behavioral=3, technical=1, skills=["python"]), "one technical one (Python)"),
        (Plan(custom=2), "two questions from the hiring team"),
    ],
)
def test_overview_follows_the_plan(plan: Plan, expected: str) -> None:
    seeds = [render_reply(ReplyTask(kind="welcome", plan=plan, seed=s)) for s in range(6)]
    overviews = [s.split("\n\n")[0] for s in seeds]
    assert any(expected in o for o in overviews) or all(
        expected.lower() in o.lower() for o in overviews
    )
    for o in overviews:
        if not plan.count("behavioral"):
            assert "behavioral" not in o
        if not plan.count("technical"):
            assert "technical" not in o


@pytest.mark.parametrize(
    ("answer", "wanted", "unwanted"),
    [
        (
            "The event loop runs one coroutine at a time, so a blocking call freezes it.",
            "event loop",
            "loop runs",
        ),
        (
            "If one batch fails, DataLoader rejects every key in it.",
            None,
            "DataLoader rejects",
        ),
        (
            "A composite B-tree index on customer_id, so the planner can do an index range scan "
            "instead of sorting.",
            "composite B-tree index",
            "index range scan instead",
        ),
    ],
)
def test_quoted_phrases_end_where_the_phrase_ends(
    answer: str, wanted: str | None, unwanted: str
) -> None:
    phrases = quotable_phrases(answer, limit=5)
    assert unwanted not in phrases
    if wanted:
        assert wanted in phrases
