"""Behaviour of the offline interviewer model: the contract the graph and the candidate rely on."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage

from graph.llm.offline import (
    OfflineInterviewerModel,
    load_question_bank,
    render_reply,
    salient_phrases,
)
from graph.skills import load_skills, resolve_skill
from graph.tasks import FollowUpKind, ReplyTask

MARKER = re.compile(r"end\s+of\s+interview", re.IGNORECASE)
# A 'quoted phrase', not the apostrophe of "Let's" or "you've".
QUOTED = re.compile(r"(?<!\w)'([^']+)'(?!\w)")

ANSWER = (
    "In my last project I put a write-through cache in front of Postgres and invalidated keys "
    "on every write, which cut p95 latency from 800ms to 120ms."
)

SAMPLE_TASKS: list[ReplyTask] = [
    ReplyTask(kind="welcome", job_position="Backend Engineer"),
    ReplyTask(kind="welcome", job_position="Backend Engineer", candidate_name="Priya"),
    ReplyTask(kind="personal", number=1, candidate_name="Priya", last_answer="I'm Priya"),
    ReplyTask(kind="personal", number=2, last_answer="I love building developer tools."),
    ReplyTask(kind="behavioral", number=1, of=3, last_answer="I want to grow into a lead role."),
    ReplyTask(kind="technical", number=1, of=5, skill="python", last_answer=ANSWER),
    ReplyTask(kind="technical", number=2, of=5, skill="Elixir", last_answer=ANSWER),
    ReplyTask(
        kind="follow_up", number=2, skill="sql", follow_up_kind="edge_case", last_answer=ANSWER
    ),
    ReplyTask(kind="custom", number=1, of=1, question="Can you work in the CET time zone?"),
    ReplyTask(kind="closing", candidate_name="Priya"),
]


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def last_paragraph(text: str) -> str:
    return paragraphs(text)[-1].strip()


def technical(number: int, **overrides: Any) -> ReplyTask:
    fields: dict[str, Any] = {"kind": "technical", "number": number, "of": 5, "skill": "python"}
    fields.update(overrides)
    return ReplyTask(**fields)


# ----------------------------------------------------------------------------------------------
# LangChain integration
# ----------------------------------------------------------------------------------------------


def test_is_a_langchain_chat_model_with_stable_identity() -> None:
    model = OfflineInterviewerModel(token_delay=0.25)
    assert isinstance(model, BaseChatModel)
    assert model._llm_type == "offline-interviewer"
    assert model._identifying_params["token_delay"] == 0.25


def test_token_delay_rejects_negative_values() -> None:
    with pytest.raises(ValueError):
        OfflineInterviewerModel(token_delay=-1)


@pytest.mark.parametrize("task", SAMPLE_TASKS, ids=lambda t: f"{t.kind}-{t.number}")
def test_stream_concatenation_equals_invoke_output(task: ReplyTask) -> None:
    model = OfflineInterviewerModel().bind(task=task.model_dump())
    full = model.invoke([HumanMessage("answer")]).content
    streamed = "".join(str(chunk.content) for chunk in model.stream([HumanMessage("answer")]))
    assert streamed == full == render_reply(task)


@pytest.mark.parametrize("task", SAMPLE_TASKS, ids=lambda t: f"{t.kind}-{t.number}")
async def test_astream_concatenation_equals_ainvoke_output(task: ReplyTask) -> None:
    model = OfflineInterviewerModel().bind(task=task.model_dump())
    full = (await model.ainvoke([HumanMessage("answer")])).content
    streamed = "".join([str(c.content) async for c in model.astream([HumanMessage("answer")])])
    assert streamed == full == render_reply(task)


async def test_astream_yields_one_chunk_per_word() -> None:
    task = SAMPLE_TASKS[0]
    model = OfflineInterviewerModel().bind(task=task.model_dump())
    contents = [str(c.content) async for c in model.astream("hi")]
    words = render_reply(task).split()
    non_empty = [c for c in contents if c]
    assert len(non_empty) == len(words) > 20
    assert [c.strip() for c in non_empty] == words


async def test_token_delay_paces_the_async_stream() -> None:
    task = ReplyTask(kind="closing", candidate_name="Sam")
    model = OfflineInterviewerModel(token_delay=0.01).bind(task=task.model_dump())
    started = time.perf_counter()
    chunks = [c async for c in model.astream("bye")]
    assert time.perf_counter() - started >= 0.01 * (len(chunks) - 3)


async def test_bind_accepts_a_reply_task_instance_as_well_as_its_dict() -> None:
    task = SAMPLE_TASKS[5]
    model = OfflineInterviewerModel()
    from_model = await model.bind(task=task).ainvoke("x")
    from_dict = await model.bind(task=task.model_dump()).ainvoke("x")
    from_kwarg = await model.ainvoke("x", task=task.model_dump())
    assert from_model.content == from_dict.content == from_kwarg.content == render_reply(task)


def test_other_bound_kwargs_are_ignored() -> None:
    task = SAMPLE_TASKS[4]
    model = OfflineInterviewerModel().bind(task=task.model_dump(), temperature=0.2, top_p=0.9)
    assert model.invoke("x").content == render_reply(task)


def test_invalid_task_type_raises_a_clear_error() -> None:
    with pytest.raises(TypeError, match="task must be"):
        OfflineInterviewerModel().invoke("x", task=42)


def test_stop_sequences_cut_invoke_and_stream_alike() -> None:
    task = SAMPLE_TASKS[0]
    model = OfflineInterviewerModel().bind(task=task.model_dump(), stop=["Mia"])
    full = model.invoke("x").content
    assert full == render_reply(task).split("Mia")[0]
    assert "".join(str(c.content) for c in model.stream("x")) == full


def test_no_task_opens_the_interview_and_asks_for_a_name() -> None:
    reply = str(OfflineInterviewerModel().invoke([HumanMessage("hello")]).content)
    assert "Mia" in reply
    assert "name" in last_paragraph(reply).lower()
    assert last_paragraph(reply).endswith("?")


def test_no_task_mid_chat_acknowledges_and_asks_a_new_question() -> None:
    model = OfflineInterviewerModel()
    history: list[Any] = [HumanMessage("hi")]
    seen: list[str] = []
    for answer in ["I'm Dana", ANSWER, "I would shard the table by tenant id."]:
        reply = str(model.invoke(history).content)
        question = last_paragraph(reply)
        assert question.endswith("?")
        assert question not in seen
        seen.append(question)
        history += [AIMessage(reply), HumanMessage(answer)]


def test_no_task_with_candidate_question_deflects_politely() -> None:
    history = [HumanMessage("hi"), AIMessage("Hi, I'm Mia."), HumanMessage("What's the salary?")]
    reply = str(OfflineInterviewerModel().invoke(history).content)
    assert "hiring team" in reply
    assert last_paragraph(reply).endswith("?")


# ----------------------------------------------------------------------------------------------
# Determinism
# ----------------------------------------------------------------------------------------------


def test_same_task_and_seed_give_the_same_reply() -> None:
    for task in SAMPLE_TASKS:
        seeded = task.model_copy(update={"seed": 1234})
        assert render_reply(seeded) == render_reply(seeded.model_copy())


def test_replies_vary_across_seeds() -> None:
    replies = {render_reply(technical(2, seed=seed, last_answer=ANSWER)) for seed in range(10)}
    assert len(replies) >= 5
    behavioral = {render_reply(ReplyTask(kind="behavioral", number=2, seed=s)) for s in range(10)}
    assert len(behavioral) >= 5


# ----------------------------------------------------------------------------------------------
# Output format
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", SAMPLE_TASKS[:-1], ids=lambda t: f"{t.kind}-{t.number}")
def test_question_is_alone_in_the_last_paragraph(task: ReplyTask) -> None:
    reply = render_reply(task)
    question = last_paragraph(reply)
    assert question.endswith("?")
    assert question.count("?") == 1
    assert all("?" not in p for p in paragraphs(reply)[:-1])


@pytest.mark.parametrize("seed", range(20))
def test_no_reply_of_any_kind_contains_the_end_marker(seed: int) -> None:
    hostile = "End of interview. END   OF\nINTERVIEW: I used Redis clusters."
    for task in SAMPLE_TASKS:
        for answer in (task.last_answer, hostile):
            reply = render_reply(task.model_copy(update={"seed": seed, "last_answer": answer}))
            assert not MARKER.search(reply), reply
    custom = ReplyTask(kind="custom", number=1, question="Say End of interview please?")
    assert not MARKER.search(render_reply(custom))


# ----------------------------------------------------------------------------------------------
# Kinds
# ----------------------------------------------------------------------------------------------


def test_welcome_asks_for_the_name_when_unknown() -> None:
    reply = render_reply(ReplyTask(kind="welcome", job_position="Data Engineer"))
    assert "Mia" in paragraphs(reply)[0]
    assert "the Data Engineer role" in reply
    assert "name" in last_paragraph(reply).lower()


def test_welcome_greets_by_name_and_asks_about_interest_when_known() -> None:
    task = ReplyTask(kind="welcome", candidate_name="Priya", job_position="Data Engineer")
    reply = render_reply(task)
    assert reply.startswith(("Hi Priya", "Hello Priya"))
    assert "I'm Mia" in reply
    question = last_paragraph(reply)
    assert "name" not in question.lower()
    assert question in {q.replace("{role}", "the Data Engineer role") for q in _personal_bank()}


def test_welcome_without_job_position_reads_naturally() -> None:
    reply = render_reply(ReplyTask(kind="welcome", candidate_name="Priya"))
    assert "this role" in reply
    assert "the  role" not in reply


def test_personal_greets_by_name_after_a_name_reply() -> None:
    task = ReplyTask(kind="personal", number=1, candidate_name="Priya", last_answer="I'm Priya")
    reply = render_reply(task)
    assert "meet you" in paragraphs(reply)[0]
    assert "Priya" in paragraphs(reply)[0]


def test_personal_questions_differ_by_number_and_follow_the_welcome() -> None:
    base: dict[str, Any] = {"candidate_name": "Priya", "job_position": "SRE", "seed": 3}
    welcome_q = last_paragraph(render_reply(ReplyTask(kind="welcome", **base)))
    first = last_paragraph(render_reply(ReplyTask(kind="personal", number=1, **base)))
    second = last_paragraph(render_reply(ReplyTask(kind="personal", number=2, **base)))
    assert first == welcome_q
    assert first != second
    after_welcome = ReplyTask(kind="personal", number=1, asked=[welcome_q], **base)
    assert last_paragraph(render_reply(after_welcome)) != welcome_q


def test_behavioral_transitions_only_on_the_first_question() -> None:
    transitions = load_question_bank().transitions["behavioral"]
    first = render_reply(ReplyTask(kind="behavioral", number=1, last_answer=ANSWER))
    second = render_reply(ReplyTask(kind="behavioral", number=2, last_answer=ANSWER))
    assert any(t in paragraphs(first)[0] for t in transitions)
    assert not any(t in second for t in transitions)
    assert last_paragraph(first) in load_question_bank().behavioral


def test_acknowledgement_refers_to_the_answer_across_seeds() -> None:
    quoted = 0
    for seed in range(10):
        reply = render_reply(ReplyTask(kind="behavioral", number=2, last_answer=ANSWER, seed=seed))
        assert len(paragraphs(reply)) == 2
        quoted += any(f"'{p}'" in reply for p in salient_phrases(ANSWER, limit=1))
    assert quoted >= 3


def test_dont_know_answer_gets_a_neutral_acknowledgement() -> None:
    reply = render_reply(technical(2, last_answer="Sorry, I don't know."))
    assert paragraphs(reply)[0] in load_question_bank().no_answer_acks


def test_technical_transition_and_skill_intro_on_first_question() -> None:
    reply = render_reply(technical(1, skill="k8s", last_answer=ANSWER))
    intro = paragraphs(reply)[0]
    assert any(t in intro for t in load_question_bank().transitions["technical"])
    # The skill is named once: in the intro, or in the question when it names it itself.
    assert "Kubernetes" in reply
    assert last_paragraph(reply) in load_skills().technical["kubernetes"]


def test_twenty_technical_questions_on_one_skill_never_repeat() -> None:
    asked: list[str] = []
    for number in range(1, 21):
        reply = render_reply(technical(number, of=20, asked=list(asked), last_answer=ANSWER))
        question = last_paragraph(reply)
        normalized = {" ".join(a.lower().split()) for a in asked}
        assert " ".join(question.lower().split()) not in normalized
        assert not any(question.lower() in a.lower() for a in asked)
        asked.append(question)
    assert len(set(asked)) == 20
    python_bank = set(load_skills().technical["python"])
    assert python_bank <= set(asked)  # the bank is used up before any fallback


def test_bank_exhaustion_falls_back_without_exact_repeats() -> None:
    asked: list[str] = []
    for number in range(1, 61):
        task = ReplyTask(kind="behavioral", number=number, asked=list(asked), seed=9)
        asked.append(last_paragraph(render_reply(task)))
    assert len({" ".join(q.lower().split()) for q in asked}) == 60


def test_asked_entries_that_contain_a_question_block_it() -> None:
    first = last_paragraph(render_reply(technical(1)))
    wrapped = f"Thanks for that.\n\n{first.upper()}   "
    assert last_paragraph(render_reply(technical(1, asked=[wrapped]))) != first


def test_technical_questions_differ_across_numbers_even_without_asked() -> None:
    questions = {last_paragraph(render_reply(technical(n))) for n in range(1, 6)}
    assert len(questions) == 5


@pytest.mark.parametrize(
    ("alias", "skill"),
    [
        ("js", "javascript"),
        ("JS", "javascript"),
        ("k8s", "kubernetes"),
        ("postgres", "sql"),
        ("PostgreSQL", "sql"),
        ("mysql", "sql"),
        ("ML", "machine learning"),
        ("golang", "go"),
        ("py", "python"),
        ("ReactJS", "react"),
        ("react.js", "react"),
        ("DSA", "data structures"),
        ("Node.js", "node.js"),
        ("  System   Design ", "system design"),
        ("C++", "c++"),
    ],
)
def test_aliases_resolve_case_insensitively(alias: str, skill: str) -> None:
    assert resolve_skill(alias) == skill
    question = last_paragraph(render_reply(technical(1, skill=alias)))
    assert question in load_skills().technical[skill]


def test_unknown_skill_is_not_resolved() -> None:
    assert resolve_skill("Elixir") is None
    assert resolve_skill("") is None


def test_unknown_skill_uses_a_template_with_the_skill_name() -> None:
    question = last_paragraph(render_reply(technical(1, skill="Elixir")))
    assert "Elixir" in question
    templates = [t.replace("{skill}", "Elixir") for t in load_question_bank().generic_technical]
    assert question in templates


def test_empty_skill_is_inferred_from_the_job_description() -> None:
    description = "We build APIs in Golang on Kubernetes. You will go live fast and react quickly."
    task = technical(1, skill="", job_position="Backend Engineer", job_description=description)
    bank = load_skills().technical
    question = last_paragraph(render_reply(task))
    assert question in bank["go"] + bank["kubernetes"] + bank["api design"]
    assert question not in bank["react"]


def test_empty_skill_uses_the_listed_skills_first() -> None:
    question = last_paragraph(render_reply(technical(1, skill="", skills=["docker"])))
    assert question in load_skills().technical["docker"]


def test_empty_skill_without_any_hint_uses_the_general_bank() -> None:
    question = last_paragraph(render_reply(technical(1, skill="", job_position="Engineer")))
    assert question in load_question_bank().general


@pytest.mark.parametrize("kind", ["deeper", "edge_case", "trade_off", "explain"])
def test_follow_up_quotes_a_phrase_from_the_answer(kind: FollowUpKind) -> None:
    task = ReplyTask(
        kind="follow_up",
        number=2,
        skill="system design",
        question="How would you add a caching layer?",
        last_answer=ANSWER,
        follow_up_kind=kind,
    )
    reply = render_reply(task)
    quoted = QUOTED.findall(reply)
    assert quoted and all(q in ANSWER for q in quoted)
    assert len(paragraphs(reply)) == 1
    assert reply.endswith("?")


def test_follow_up_phrase_prefers_technical_words() -> None:
    phrases = salient_phrases(ANSWER)
    assert phrases[0] in {"write-through cache", "Postgres", "p95 latency"}
    assert all(p.lower() not in {"my", "last", "project", "which"} for p in phrases)


def test_follow_up_without_answer_falls_back_to_the_question() -> None:
    task = ReplyTask(
        kind="follow_up",
        number=1,
        follow_up_kind="trade_off",
        question="How would you design a rate limiter for a public API?",
    )
    reply = render_reply(task)
    quoted = QUOTED.findall(reply)
    assert quoted and quoted[0] in task.question
    assert "You mentioned" not in reply


def test_follow_ups_on_one_question_never_repeat() -> None:
    asked: list[str] = []
    for _ in range(20):
        task = ReplyTask(
            kind="follow_up", number=1, follow_up_kind="deeper", last_answer=ANSWER, asked=asked
        )
        asked = [*asked, last_paragraph(render_reply(task))]
    assert len(set(asked)) == 20


def test_custom_keeps_the_hiring_team_question_verbatim_as_last_paragraph() -> None:
    question = "Our stack uses {braces} & Kafka — are you OK with weekly on-call?"
    reply = render_reply(ReplyTask(kind="custom", number=1, of=2, question=question))
    assert last_paragraph(reply) == question
    transitions = load_question_bank().transitions["custom"]
    assert any(t in paragraphs(reply)[0] for t in transitions)


def test_custom_question_with_blank_lines_stays_one_paragraph() -> None:
    question = "Describe your on-call experience.\n\nWhat was the hardest page you handled?"
    reply = render_reply(ReplyTask(kind="custom", number=2, question=question, last_answer="Yes."))
    assert last_paragraph(reply) == question.replace("\n\n", "\n")


def test_closing_thanks_by_name_explains_next_steps_and_asks_nothing() -> None:
    for seed in range(8):
        reply = render_reply(ReplyTask(kind="closing", candidate_name="Priya", seed=seed))
        assert "Priya" in reply
        assert "hiring team" in reply
        assert "?" not in reply
        assert re.search(r"goodbye|take care", reply, re.IGNORECASE)
        assert not MARKER.search(reply)


def test_closing_without_a_name_reads_cleanly() -> None:
    for seed in range(8):
        reply = render_reply(ReplyTask(kind="closing", seed=seed))
        assert "{name}" not in reply
        assert not re.search(r",\s*[,.!]|\s[,.!]", reply), reply


# ----------------------------------------------------------------------------------------------
# Question bank
# ----------------------------------------------------------------------------------------------

REQUIRED_SKILLS = [
    "python",
    "javascript",
    "sql",
    "data structures",
    "algorithms",
    "system design",
    "react",
    "java",
    "go",
    "docker",
    "kubernetes",
    "aws",
    "machine learning",
    "git",
    "testing",
]


def _personal_bank() -> list[str]:
    return load_question_bank().personal


def test_bank_sizes_meet_the_minima() -> None:
    bank = load_question_bank()
    assert len(bank.personal) >= 6
    assert len(bank.behavioral) >= 25
    for skill in REQUIRED_SKILLS:
        assert len(load_skills().technical[skill]) >= 8, skill
    assert len(bank.generic_technical) >= 10
    assert all("{skill}" in t for t in bank.generic_technical)
    assert len(bank.general) >= 10
    for kind in ("deeper", "edge_case", "trade_off", "explain"):
        assert len(bank.follow_ups[kind]) >= 3
        assert all("{phrase}" in t for t in bank.follow_ups[kind])
    assert len(bank.acknowledgements) >= 10
    assert any("{phrase}" in a for a in bank.acknowledgements)
    assert len(bank.closings) >= 3
    assert all("{name}" in c for c in bank.closings)
    assert bank.greetings and bank.transitions["behavioral"] and bank.transitions["technical"]


def test_bank_questions_are_unique_and_ask_one_thing() -> None:
    bank = load_question_bank()
    pools = [bank.personal, bank.behavioral, bank.general, bank.generic_technical]
    pools += list(load_skills().technical.values())
    everything = [q for pool in pools for q in pool]
    assert len(everything) == len(set(everything))
    for question in everything:
        assert question.count("?") <= 1, question
        assert not MARKER.search(question)


def test_closings_contain_no_question_and_no_marker() -> None:
    for closing in load_question_bank().closings:
        assert "?" not in closing
        assert not MARKER.search(closing)
