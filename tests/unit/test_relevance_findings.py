"""Issue 18's findings on relevance and quoting, each as a test (they failed before rubrics).

Relevance comes from the question's rubric, not from shared words: an answer naming profilers is
on topic for a profiling question, an aside about parking is off topic whatever the follow-up
before it quoted, an answer on a neighbouring topic is steered back to the question instead of
being probed, and a quote is a whole phrase inside one sentence with identifiers kept whole.
"""

from __future__ import annotations

import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from graph.follow_up import choose_follow_up, read_answer
from graph.llm.offline import load_question_bank, render_reply
from graph.state import InterviewSettings, State
from graph.tasks import FollowUpKind, ReplyTask

PROFILING = (
    "How would you profile and speed up a slow Python service? Walk me through the tools and "
    "the order in which you'd try things."
)
ACID = (
    "What are the ACID properties, and how do transaction isolation levels trade consistency "
    "for concurrency?"
)
DEBOUNCE = (
    "How would you debounce or throttle an expensive event handler, and when would you pick "
    "one over the other?"
)
ASYNCIO = (
    "How does asyncio work, and what happens if you call a blocking function inside a coroutine?"
)
WINDOW = (
    "Explain window functions with an example, such as ranking rows within a group or "
    "computing a running total."
)
PY_SPY = "I would start with py-spy to find hot spots, then cProfile, then fix the biggest one."
PARKING = (
    "By the way, is there parking near the Oakland office? I usually drive in from Berkeley, "
    "and the bridge traffic is terrible in the mornings."
)
INDEX = (
    "I would add a composite index on (customer_id, created_at) and check the plan with "
    "EXPLAIN ANALYZE."
)
CLOSURES = (
    "Closures capture variables from the enclosing scope, so an inner function keeps seeing "
    "them after the outer one has returned."
)


def _state(
    question: str,
    skill: str,
    answer: str,
    *,
    current: str = "",
    follow_ups: int = 0,
    **fields: object,
) -> State:
    state = State(
        settings=InterviewSettings(technical_questions=2, skills=[skill]),
        stage="technical",
        questions_asked=1,
        total_expected_questions=2,
        active=True,
        current_skill=skill,
        main_question=question,
        current_question=current or question,
        follow_ups=follow_ups,
        max_follow_ups=2,
        **fields,  # type: ignore[arg-type]
    )
    state.messages = [AIMessage(current or question), HumanMessage(answer)]
    return state


def _follow_up(question: str, skill: str, answer: str, kind: FollowUpKind, seed: int = 0) -> str:
    return render_reply(
        ReplyTask(
            kind="follow_up",
            skill=skill,
            question=question,
            last_answer=answer,
            follow_up_kind=kind,
            number=1,
            of=2,
            seed=seed,
        )
    )


def _quotes(reply: str) -> list[str]:
    return re.findall(r"(?<![\w])'([^']{1,80}?)'(?![\w])", reply)


def test_an_answer_naming_profilers_is_not_redirected_from_the_profiling_question() -> None:
    state = _state(PROFILING, "python", PY_SPY)
    assert read_answer(state) != "off_topic"
    decision = choose_follow_up(state)
    assert decision.action == "follow_up", decision.reason


def test_an_aside_after_a_clarifying_follow_up_is_redirected_and_never_quoted() -> None:
    clarify = "When you say 'use a sampling profiler', what does that look like in practice?"
    state = _state(PROFILING, "python", PARKING, current=clarify, follow_ups=1)
    assert read_answer(state) == "off_topic"
    assert choose_follow_up(state).action == "redirect"
    after = _state(PROFILING, "python", PARKING, current=clarify, follow_ups=1, redirects=1)
    assert choose_follow_up(after).action == "move_on"
    for kind in ("deeper", "explain", "clarify", "edge_case", "trade_off"):
        reply = _follow_up(PROFILING, "python", PARKING, kind)  # type: ignore[arg-type]
        assert not re.search(r"oakland|berkeley|parking|office|bridge", reply, re.IGNORECASE)


@pytest.mark.parametrize(
    ("question", "skill", "answer", "neighbour", "asked_about"),
    [
        (ACID, "sql", INDEX, "EXPLAIN ANALYZE", r"isolation|transaction|ACID"),
        (DEBOUNCE, "javascript", CLOSURES, "Closures capture", r"debounce"),
    ],
)
def test_an_answer_to_a_neighbouring_question_is_steered_towards_the_question_asked(
    question: str, skill: str, answer: str, neighbour: str, asked_about: str
) -> None:
    state = _state(question, skill, answer)
    decision = choose_follow_up(state)
    assert (decision.action, decision.kind) == ("follow_up", "steer"), decision.reason
    for seed in range(6):
        reply = _follow_up(question, skill, answer, "steer", seed)
        assert neighbour.lower() not in reply.lower()
        assert not _quotes(reply), reply
        assert re.search(asked_about, reply, re.IGNORECASE), reply


ANSWERS = [
    (
        WINDOW,
        "sql",
        "We used ROWS BETWEEN 2 PRECEDING AND CURRENT ROW. Postgres computes the "
        "running total in one pass over the partition.",
    ),
    (
        ASYNCIO,
        "python",
        "If you call a blocking function such as requests.get inside a coroutine, "
        "the coroutine runs until it returns and the event loop stalls for everyone.",
    ),
    (
        ACID,
        "sql",
        "READ COMMITTED avoids dirty reads. REPEATABLE READ keeps a snapshot, and "
        "SERIALIZABLE catches write skew on customer_id updates at the cost of retries.",
    ),
    (PROFILING, "python", PY_SPY + " Then I would benchmark the endpoint with a load test."),
]


@pytest.mark.parametrize(("question", "skill", "answer"), ANSWERS)
def test_a_quote_is_a_whole_phrase_inside_one_sentence_with_identifiers_kept_whole(
    question: str, skill: str, answer: str
) -> None:
    sentences = re.split(r"(?<=[.!?])\s+", answer)
    for kind in ("deeper", "explain", "edge_case", "trade_off", "clarify"):
        for seed in range(4):
            reply = _follow_up(question, skill, answer, kind, seed)  # type: ignore[arg-type]
            for quote in _quotes(reply):
                assert any(quote in s for s in sentences), (quote, reply)
                at = answer.index(quote)
                before, after = answer[at - 1 : at], answer[at + len(quote) : at + len(quote) + 2]
                assert not re.match(r"[\w.]", before), (quote, reply)  # not cut inside a word
                assert not re.match(r"\w|\.\w", after), (quote, reply)
                assert len(quote.split()) >= 2, (quote, reply)
                assert not quote.lower().endswith(("runs", "stalls", "row postgres")), quote


def test_the_offline_follow_up_aims_at_a_concept_the_answer_missed() -> None:
    missed = ("measuring performance", "optimisation", "I/O and database waits")
    replies = [_follow_up(PROFILING, "python", PY_SPY, "deeper", seed) for seed in range(4)]
    for reply in replies:
        assert any(concept in reply for concept in missed), reply
        assert "profiling" not in reply.lower().replace("'", "")  # covered already


@pytest.mark.parametrize("message", ["dunno", "Dunno.", "DUNNO!", "i dunno, sorry"])
def test_dunno_is_an_admitted_gap_met_with_reassurance(message: str) -> None:
    state = _state(PROFILING, "python", message)
    assert read_answer(state) == "gap"
    assert choose_follow_up(state).action == "move_on"
    reply = render_reply(
        ReplyTask(
            kind="technical",
            skill="python",
            number=2,
            of=2,
            last_answer=message,
            answer_kind="gap",
            asked=[PROFILING],
        )
    )
    lead = reply.split("\n\n")[0]
    assert lead in load_question_bank().no_answer_acks or any(
        lead.startswith(ack) for ack in load_question_bank().no_answer_acks
    ), lead


def test_a_partly_relevant_answer_is_read_as_partial_and_its_aside_never_quoted() -> None:
    partial = (
        "READ COMMITTED avoids dirty reads, and SERIALIZABLE catches write skew at the cost of "
        "retries. By the way, is there parking near the Oakland office? I drive in daily."
    )
    state = _state(ACID, "sql", partial)
    assert read_answer(state) == "partial"
    assert choose_follow_up(state).action == "follow_up"
    for kind in ("deeper", "explain", "edge_case", "trade_off"):
        for seed in range(4):
            reply = _follow_up(ACID, "sql", partial, kind, seed)  # type: ignore[arg-type]
            assert not re.search(r"oakland|parking|office|drive", reply, re.IGNORECASE), reply
    from graph.prompts import render_messages

    task = ReplyTask(
        kind="follow_up",
        skill="sql",
        question=ACID,
        last_answer=partial,
        answer_kind="partial",
        follow_up_kind="deeper",
    )
    assert "only about the part on the question" in str(render_messages(task)[-1].content)
