"""The interview graph's nodes: small async steps that each return a partial state update.

Nodes that speak stream the interviewer's words through the custom stream channel as
`graph.events` tokens (and flags); the API forwards exactly those and nothing else.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graph import events, stages
from graph.cheat_rules import screen_message
from graph.context import Context
from graph.follow_up import judge_follow_up, read_answer
from graph.language import (
    END_MARKER,
    MarkerGuard,
    extract_name,
    is_blank,
    message_text,
    remove_markers,
)
from graph.llm import ensure_fits, reply_model
from graph.prompts import render_messages
from graph.stages import next_main_question
from graph.state import (
    LABEL_KEY,
    CandidateInput,
    CheatEvent,
    LabelKind,
    ProcessEvent,
    State,
)
from graph.tasks import Plan, ReplyKind, ReplyTask
from graph.text import last_paragraph

CHEAT_WARNING = (
    "I'm here to assess your skills through this interview. "
    "Let's continue with the current question."
)
INTERVIEWER_NAME = "Mia"

# Fixed replies (no LLM): the code owns what a process request or an empty message gets.
NUDGES = (
    "Take your time. Whenever you're ready, just type your answer.",
    "I didn't catch an answer there. No rush: reply whenever you're ready.",
    "It looks like that message came through empty. Take your time and answer when you're ready.",
)
PROCESS_REPLIES = {
    "end_early": (
        "I understand, and thank you for telling me. I'd like us to finish the interview "
        "so the hiring team sees your full picture, so let's keep going."
    ),
    "feedback_request": (
        "I can't give feedback or a score during the interview. The hiring team reviews it "
        "afterwards and will be in touch about next steps. Let's continue."
    ),
}


# --- speaking -------------------------------------------------------------------------------


async def _speak(state: State, runtime: Runtime[Context], task: ReplyTask) -> str:
    """Stream the interviewer's reply for `task` to the client and return its full text."""
    model = reply_model(runtime.context, state.settings, task)
    messages = render_messages(task, runtime.context.prompts)
    ensure_fits(messages, runtime.context)
    guard = MarkerGuard()
    parts: list[str] = []
    async for chunk in model.astream(messages):
        piece = guard.feed(message_text(chunk))
        if piece:
            runtime.stream_writer(events.token(piece))
            parts.append(piece)
    tail = guard.flush()
    if tail:
        runtime.stream_writer(events.token(tail))
        parts.append(tail)
    return "".join(parts)  # exactly what the client received


def _say(runtime: Runtime[Context], text: str) -> None:
    """Stream fixed text (no LLM) to the client, word by word like a model would."""
    start = 0
    for index, char in enumerate(text):
        if char == " ":
            runtime.stream_writer(events.token(text[start : index + 1]))
            start = index + 1
    if start < len(text):
        runtime.stream_writer(events.token(text[start:]))


def _plan(state: State) -> Plan:
    counts = stages.planned_counts(state)
    on_skills = sum(counts[row.name] for row in stages.main_stages() if row.topic == "skill")
    skills = [skill_for(state, i) for i in range(on_skills)]
    return Plan(counts=counts, skills=list(dict.fromkeys(s for s in skills if s)))


def _said(state: State) -> list[str]:
    return [message_text(m) for m in state.messages if isinstance(m, AIMessage)]


def _base_task(state: State, kind: ReplyKind, **fields: Any) -> ReplyTask:
    settings = state.settings
    values: dict[str, Any] = {
        "candidate_name": state.candidate_name,
        "job_position": settings.job_position,
        "job_description": settings.job_description,
        "skills": settings.skills,
        "last_answer": _last_answer(state),
        "answer_kind": read_answer(state),
        "asked": state.asked_questions,
        "asked_here": _asked_here(state, kind, fields.get("skill", "")),
        "plan": _plan(state),
        "said": _said(state),
        "seed": state.seed,
    }
    return ReplyTask(kind=kind, **(values | fields))


_ASKING_KINDS = frozenset({"greeting", "personal", "question", "follow_up", "redirect"})


def _asked_here(state: State, kind: ReplyKind, skill: str) -> list[str] | None:
    """The questions asked so far that a `kind` reply could repeat (see ReplyTask.asked_here).

    Listing only these keeps the prompt from growing with the whole interview: a technical
    question on SQL cannot repeat a behavioral question, and the current question is already in
    a follow-up's prompt. Only a stage with a topic composes questions of a sort (same stage,
    and on the skills same skill); the others (the hiring team's questions, closing) get None:
    all of them.
    """
    topic = stages.topic_of(kind)
    if kind != "follow_up" and topic is None:
        return None
    asked = []
    for message in state.messages:
        label = message.additional_kwargs.get(LABEL_KEY) if isinstance(message, AIMessage) else None
        if not label or label.get("kind") not in _ASKING_KINDS:
            continue
        if kind == "follow_up":
            mine = label.get("kind") == "follow_up" and label.get("number") == state.questions_asked
        else:
            mine = label.get("stage") == kind and (topic != "skill" or label.get("skill") == skill)
        if mine:
            # The same question `asked_questions` holds for the message: its last paragraph.
            asked.append(last_paragraph(message_text(message)))
    return asked


def _last_answer(state: State) -> str:
    for message in reversed(state.messages):
        if isinstance(message, HumanMessage):
            return message_text(message)
    return ""


def _label(state: State, kind: LabelKind, **fields: Any) -> dict[str, Any]:
    """Where a message sits in the interview plan (kept on the message, shown to admins)."""
    label: dict[str, Any] = {"kind": kind, "stage": state.stage, "number": state.questions_asked}
    if state.current_skill and stages.topic_of(state.stage) == "skill":
        label["skill"] = state.current_skill
    return label | fields


def _reply(text: str, label: dict[str, Any]) -> AIMessage:
    return AIMessage(content=text, name=INTERVIEWER_NAME, additional_kwargs={LABEL_KEY: label})


# --- the plan -------------------------------------------------------------------------------


def skill_for(state: State, index: int) -> str:
    """The skill question `index` of the stage on the skills targets: the skills in turn."""
    skills = [s.strip() for s in state.settings.skills if s.strip()]
    return skills[index % len(skills)] if skills else ""


def main_question_asked(state: State, stage: str, text: str, skill: str = "") -> dict[str, Any]:
    """The update for main question `stage` asked with `text`: counted, labelled, current.

    A node of a stage that speaks differently returns this too, so the plan stays whole.
    """
    question = last_paragraph(text)
    label: dict[str, Any] = {
        "kind": "question",
        "stage": stage,
        "number": state.questions_asked + 1,
    }
    if skill:
        label["skill"] = skill
    return {
        "messages": [_reply(text, label)],
        "stage": stage,
        "questions_asked": state.questions_asked + 1,
        "follow_ups": 0,
        "current_question": question,
        "main_question": question,
        "current_skill": skill,
        "asked_questions": [question],
        "redirects": 0,
    }


# --- nodes ----------------------------------------------------------------------------------


async def begin_interview(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Fix the plan: counts, personal questions and follow-up limit (the seed is the input's)."""
    return {
        "stage": "welcome",
        "active": True,
        "candidate_name": " ".join(state.settings.candidate_name.split()),
        "total_expected_questions": state.settings.total_expected_questions,
        "personal_planned": runtime.context.personal_questions,
        "max_follow_ups": runtime.context.max_follow_ups,
    }


async def greet_candidate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Welcome: greet by name and ask the first personal question, or ask for the name."""
    task = _base_task(state, "welcome", number=1, of=state.personal_planned)
    text = await _speak(state, runtime, task)
    question = last_paragraph(text)
    stage = "personal" if state.candidate_name else "welcome"
    update: dict[str, Any] = {
        "messages": [_reply(text, _label(state, "greeting", stage=stage))],
        "current_question": question,
        "asked_questions": [question],
    }
    if state.candidate_name:
        update |= {"stage": "personal", "personal_asked": 1}
    return update


async def wait_for_candidate(state: State) -> dict[str, Any]:
    """Pause until the candidate (or an admin) sends a message."""
    received = interrupt({"stage": state.stage, "question": state.current_question})
    inbox = (
        CandidateInput.model_validate(received)
        if isinstance(received, dict)
        else CandidateInput(message=str(received))
    )
    # The turn allowance is the candidate's: the hiring side's commands (get_stats,
    # end_interview) never use it up.
    counted = 1 if inbox.type == "user" else 0
    return {"inbox": inbox, "turns": state.turns + counted, "flagged": False}


async def run_admin_command(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Answer an admin ("system") command without the LLM."""
    command = (state.inbox.message if state.inbox else "").strip()
    if command.lower() == "end_interview":
        return {"stage": "closing"}
    if command.lower() == "get_stats":
        _say(runtime, stats_line(state))
    else:
        # The echo must not carry a marker the admin typed: only the closing node writes it.
        _say(runtime, remove_markers(f"Unknown system command: {command}"))
    return {}


def stats_line(state: State) -> str:
    """The original service's progress line for the get_stats command."""
    total = state.total_expected_questions
    if total:
        progress = 100.0 * state.questions_asked / total
    else:
        progress = 100.0 if state.stage == "done" else 0.0
    return (
        f"Interview progress: {progress:.1f}%, "
        f"Questions asked: {state.questions_asked}/{total}, "
        f"Potential cheat attempts: {state.potential_cheat_attempts}"
    )


async def detect_cheating(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Screen the candidate's message before anything else sees it.

    Four verdicts: an empty message (nothing to read), an integrity matter (counted as a
    potential cheat), a process request (recorded, not counted), a pass on the question
    (recorded, the question is not answered); anything else is an answer.
    """
    text = state.inbox.message if state.inbox else ""
    label = _label(state, "answer", follow_ups=state.follow_ups)
    reset = {"flagged": False, "screening": "answer"}
    if is_blank(text):
        message = HumanMessage(content=text, additional_kwargs={LABEL_KEY: label | {"empty": True}})
        return reset | {"messages": [message], "screening": "empty"}
    match = screen_message(text)
    if match is None:
        label["flagged"] = False
        return reset | {
            "messages": [HumanMessage(content=text, additional_kwargs={LABEL_KEY: label})]
        }
    if match.outcome == "integrity":
        event = CheatEvent(
            turn=state.turns, category=match.category, rule=match.rule, excerpt=match.excerpt
        )
        runtime.stream_writer(events.flag(event))
        label["flagged"] = True
        return {
            "messages": [HumanMessage(content=text, additional_kwargs={LABEL_KEY: label})],
            "flagged": True,
            "screening": "integrity",
            "potential_cheat_attempts": state.potential_cheat_attempts + 1,
            "cheat_events": [event],
        }
    process = ProcessEvent(
        turn=state.turns,
        kind=match.category,  # type: ignore[arg-type]  # a process or pass category
        rule=match.rule,
        excerpt=match.excerpt,
        stage=state.stage,
        number=state.questions_asked,
    )
    update: dict[str, Any] = reset | {"process_events": [process]}
    if match.outcome == "pass":
        label |= {"flagged": False, "passed": True}
        main = stages.is_main(state.stage)
        update |= {
            "screening": "pass",
            "questions_passed": state.questions_passed + (1 if main else 0),
        }
    else:
        label |= {"flagged": False, "process": match.category}
        update["screening"] = "process"
    message = HumanMessage(content=text, additional_kwargs={LABEL_KEY: label})
    return update | {"messages": [message]}


async def warn_candidate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Answer a flagged message with the fixed warning and the current question again."""
    text = CHEAT_WARNING
    if state.current_question:
        text += "\n\n" + state.current_question
    _say(runtime, text)
    return {"messages": [_reply(text, _label(state, "warning"))]}


async def answer_process_request(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """A polite fixed reply to a process request, then the current question again."""
    kind = state.process_events[-1].kind if state.process_events else "end_early"
    text = PROCESS_REPLIES.get(kind, PROCESS_REPLIES["end_early"])
    if state.current_question:
        text += "\n\n" + state.current_question
    _say(runtime, text)
    return {"messages": [_reply(text, _label(state, "process", request=kind))]}


async def nudge_candidate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """A gentle prompt to answer after an empty message; nothing counts and nothing moves."""
    text = NUDGES[(state.seed + state.turns) % len(NUDGES)]
    if state.current_question:
        text += "\n\n" + state.current_question
    _say(runtime, text)
    return {"messages": [_reply(text, _label(state, "nudge"))]}


async def record_name(state: State) -> dict[str, Any]:
    """Learn the candidate's name from their reply to the welcome (none if they passed)."""
    if state.screening == "pass":
        return {"candidate_name": ""}
    return {"candidate_name": extract_name(state.inbox.message if state.inbox else "")}


async def ask_personal_question(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask about the candidate's interest in the role."""
    number = state.personal_asked + 1
    task = _base_task(state, "personal", number=number, of=state.personal_planned)
    text = await _speak(state, runtime, task)
    question = last_paragraph(text)
    return {
        "messages": [_reply(text, _label(state, "personal", stage="personal"))],
        "stage": "personal",
        "personal_asked": number,
        "current_question": question,
        "asked_questions": [question],
    }


async def ask_question(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the next main question of the plan, as its stage's row says (graph/stages.py)."""
    stage, index, size = next_main_question(state)
    row = stages.stage(stage)
    fields: dict[str, Any] = {"number": index + 1, "of": size}
    skill = ""
    if row.topic == "skill":
        skill = skill_for(state, index)
        fields["skill"] = skill
    if row.given is not None:
        fields["question"] = row.given.questions(state.settings)[index]
    text = await _speak(state, runtime, _base_task(state, stage, **fields))
    return main_question_asked(state, stage, text, skill)


async def decide_follow_up(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """After an answer in a stage with follow-ups (graph/stages.py): probe, clarify, redirect or
    move on (kept in state, with why)."""
    decision = await judge_follow_up(state, runtime)
    return {"last_decision": decision, "decisions": [decision]}


async def redirect_candidate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Bring an off-topic answer back to the question, once per question."""
    task = _base_task(
        state,
        "redirect",
        skill=state.current_skill,
        question=state.main_question or state.current_question,
        answer_kind="off_topic",
    )
    text = await _speak(state, runtime, task)
    question = last_paragraph(text)
    return {
        "messages": [_reply(text, _label(state, "redirect"))],
        "redirects": state.redirects + 1,
        "current_question": question,
        "asked_questions": [question],
    }


async def ask_follow_up(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Cross-question the current answer; counts as part of the same main question."""
    decision = state.last_decision
    task = _base_task(
        state,
        "follow_up",
        number=state.follow_ups + 1,
        of=state.max_follow_ups,
        skill=state.current_skill,
        question=state.main_question,
        follow_up_kind=decision.kind if decision else "deeper",
    )
    text = await _speak(state, runtime, task)
    question = last_paragraph(text)
    label = _label(state, "follow_up", follow_up=state.follow_ups + 1)
    return {
        "messages": [_reply(text, label)],
        "follow_ups": state.follow_ups + 1,
        "current_question": question,
        "asked_questions": [question],
    }


async def close_interview(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Thank the candidate, give next steps, and end with the marker the clients wait for."""
    ended_early = state.questions_asked < state.total_expected_questions
    text = await _speak(state, runtime, _base_task(state, "closing", ended_early=ended_early))
    ending = ("\n\n" if text.strip() else "") + END_MARKER
    runtime.stream_writer(events.token(ending))
    return {
        "messages": [_reply(text + ending, _label(state, "closing", stage="closing"))],
        "stage": "done",
        "active": False,
        "current_question": "",
    }
