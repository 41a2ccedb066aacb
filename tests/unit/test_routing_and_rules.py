"""Routing functions, the follow-up rule and the text helpers, one behaviour each."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from graph.follow_up import choose_follow_up
from graph.nodes import next_main_question, skill_for, stats_line
from graph.routing import (
    route_after_admin,
    route_after_decision,
    route_after_screening,
    route_input,
)
from graph.state import CandidateInput, FollowUpDecision, InterviewSettings, State
from graph.text import MarkerGuard, extract_name, is_knowledge_gap, last_paragraph


def _state(**fields: object) -> State:
    settings = InterviewSettings(
        behavioral_questions=1, technical_questions=2, custom_questions=["Why us?"], skills=["go"]
    )
    base: dict[str, object] = {
        "settings": settings,
        "total_expected_questions": settings.total_expected_questions,
        "active": True,
    }
    base.update(fields)
    return State(**base)  # type: ignore[arg-type]


def test_system_messages_go_to_the_admin_node() -> None:
    assert route_input(_state(inbox=CandidateInput(type="system", message="x"))) == (
        "run_admin_command"
    )
    assert route_input(_state(inbox=CandidateInput(message="x"))) == "detect_cheating"


def test_only_end_interview_leaves_the_admin_node_for_the_closing() -> None:
    assert route_after_admin(_state(stage="closing")) == "close_interview"
    assert route_after_admin(_state(stage="technical")) == "wait_for_candidate"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"flagged": True, "stage": "technical"}, "warn_candidate"),
        ({"stage": "welcome"}, "record_name"),
        (
            {"stage": "personal", "personal_asked": 1, "personal_planned": 2},
            "ask_personal_question",
        ),
        ({"stage": "personal", "personal_asked": 1, "personal_planned": 1}, "ask_question"),
        ({"stage": "behavioral", "questions_asked": 1}, "decide_follow_up"),
        ({"stage": "custom", "questions_asked": 3}, "ask_question"),
        ({"screening": "integrity", "stage": "technical"}, "warn_candidate"),
        ({"screening": "empty", "stage": "welcome"}, "nudge_candidate"),
        ({"screening": "empty", "stage": "technical"}, "nudge_candidate"),
        ({"screening": "process", "stage": "behavioral"}, "answer_process_request"),
        ({"screening": "pass", "stage": "technical", "questions_asked": 2}, "decide_follow_up"),
        ({"screening": "pass", "stage": "welcome"}, "record_name"),
        ({"stage": "technical", "questions_asked": 2}, "decide_follow_up"),
        ({"stage": "custom", "questions_asked": 4}, "close_interview"),
    ],
)
def test_screening_routes_by_stage_and_flag(fields: dict[str, object], expected: str) -> None:
    assert route_after_screening(_state(**fields)) == expected


def test_a_decision_to_move_on_after_the_last_question_closes() -> None:
    decision = FollowUpDecision(action="move_on", reason="r")
    assert route_after_decision(_state(last_decision=decision, questions_asked=4)) == (
        "close_interview"
    )
    follow = FollowUpDecision(action="follow_up", reason="r", kind="deeper")
    assert route_after_decision(_state(last_decision=follow, questions_asked=4)) == "ask_follow_up"
    back = FollowUpDecision(action="redirect", reason="off-topic")
    assert route_after_decision(_state(last_decision=back, questions_asked=2)) == (
        "redirect_candidate"
    )


def test_main_questions_come_behavioral_then_technical_then_custom() -> None:
    plan = [next_main_question(_state(questions_asked=n))[:2] for n in range(4)]
    assert plan == [("behavioral", 0), ("technical", 0), ("technical", 1), ("custom", 0)]
    with pytest.raises(ValueError):
        next_main_question(_state(questions_asked=4))


def test_technical_questions_take_the_skills_in_turn() -> None:
    state = _state(settings=InterviewSettings(skills=["go", " ", "sql"]))
    assert [skill_for(state, i) for i in range(4)] == ["go", "sql", "go", "sql"]
    assert skill_for(_state(settings=InterviewSettings(skills=[])), 0) == ""


def _answered(answer: str, **fields: object) -> State:
    return _state(
        stage="technical",
        main_question="How do goroutines and channels help with concurrency in Go?",
        current_skill="go",
        messages=[HumanMessage(content=answer)],
        **fields,
    )


LONG_ON_TOPIC = (
    "Goroutines are cheap green threads scheduled by the Go runtime, and channels let them "
    "communicate safely; I used a worker pool with buffered channels for concurrency and a "
    "context for cancellation so that shutdown drained the queue without leaking goroutines."
)


def test_substantive_answer_gets_a_follow_up_with_a_reason() -> None:
    decision = choose_follow_up(_answered(LONG_ON_TOPIC))
    assert decision.action == "follow_up" and decision.kind == "deeper"
    assert "substantive" in decision.reason


@pytest.mark.parametrize(
    ("answer", "action", "reason"),
    [
        ("", "move_on", "empty answer"),
        ("I don't know, sorry.", "move_on", "knowledge gap admitted: reassure"),
        ("No idea honestly", "move_on", "knowledge gap admitted: reassure"),
        ("Yes, channels.", "follow_up", "short on-topic answer (2 words): ask what exactly"),
        (
            "I really enjoy hiking in the mountains on weekends with friends",
            "redirect",
            "off-topic answer (11 words, nothing on the question)",
        ),
    ],
)
def test_the_rule_reads_gaps_short_and_off_topic_answers(
    answer: str, action: str, reason: str
) -> None:
    decision = choose_follow_up(_answered(answer))
    assert decision.action == action
    assert decision.reason == reason


def test_follow_ups_stop_at_the_limit() -> None:
    decision = choose_follow_up(_answered(LONG_ON_TOPIC, follow_ups=2, max_follow_ups=2))
    assert decision.action == "move_on" and "limit" in decision.reason


def test_a_long_hedged_answer_is_still_an_answer() -> None:
    assert not is_knowledge_gap("I'm not sure it's the best, but " + LONG_ON_TOPIC)


def test_stats_line_matches_the_original_format() -> None:
    state = _state(questions_asked=1, total_expected_questions=4)
    assert stats_line(state) == (
        "Interview progress: 25.0%, Questions asked: 1/4, Potential cheat attempts: 0"
    )
    empty = _state(settings=InterviewSettings(technical_questions=0, behavioral_questions=0))
    assert stats_line(empty.__class__(**{**empty.__dict__, "total_expected_questions": 0})) == (
        "Interview progress: 0.0%, Questions asked: 0/0, Potential cheat attempts: 0"
    )


@pytest.mark.parametrize(
    "pieces",
    [
        ["Thanks. End of interview.", " Next?"],
        ["Thanks. End", " of", " inter", "view. Next?"],
        ["Thanks. END OF INTERVIEW", " Next?"],
    ],
)
def test_marker_guard_drops_the_marker_even_split_across_chunks(pieces: list[str]) -> None:
    guard = MarkerGuard()
    out = "".join(guard.feed(p) for p in pieces) + guard.flush()
    assert "end of interview" not in out.lower()
    assert out.startswith("Thanks.") and out.endswith("Next?")


def test_marker_guard_passes_ordinary_text_through_unchanged() -> None:
    guard = MarkerGuard()
    text = "At the end of the day, the interviewer ends the loop; endless options."
    out = "".join(guard.feed(c) for c in text) + guard.flush()
    assert out == text


def test_the_question_is_the_last_paragraph_with_a_question_mark() -> None:
    assert last_paragraph("Thanks.\n\nWhat is a mutex?") == "What is a mutex?"
    assert last_paragraph("What is a mutex?\n\nTake your time.") == "What is a mutex?"
    assert last_paragraph("Single line") == "Single line"


@pytest.mark.parametrize(
    ("reply", "name"),
    [
        ("My name is ana lopez", "Ana Lopez"),
        ("I'm Ana and I build APIs", "Ana"),
        ("Bob", "Bob"),
        ("It is Maria José García here", "Maria José García"),
        ("I'm excited to be here", ""),
        ("yes", ""),
    ],
)
def test_name_is_learned_from_the_welcome_reply(reply: str, name: str) -> None:
    assert extract_name(reply) == name


def test_code_limits_hold_over_any_decision() -> None:
    from graph.follow_up import enforce_limits

    probe = FollowUpDecision(action="follow_up", reason="judge", kind="deeper", source="llm")
    assert enforce_limits(_answered(LONG_ON_TOPIC, follow_ups=2), probe).action == "move_on"
    behavioral = _answered(LONG_ON_TOPIC)
    behavioral.stage = "behavioral"
    assert enforce_limits(behavioral, probe).action == "move_on"
    again = FollowUpDecision(action="redirect", reason="judge", source="llm")
    assert enforce_limits(_answered(LONG_ON_TOPIC, redirects=1), again).action == "move_on"
    bare = FollowUpDecision(action="follow_up", reason="judge", source="llm")
    assert enforce_limits(_answered(LONG_ON_TOPIC), bare).kind == "explain"
