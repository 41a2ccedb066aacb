"""The interview's seed is part of its input: the graph never reads the thread id.

The API seeds every interview of a session with the session's seed (api/sessions/threads.py);
the graph plays the same interview for the same seed and answers, whatever thread it runs on.
"""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver

from devkit.graph_driver import answer, run_turn, state_of
from graph.context import Context
from graph.graph import build_graph
from graph.state import InterviewSettings

OFFLINE = Context(llm="offline")
SETTINGS = InterviewSettings(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
ANSWER = "I rebuilt our deployment pipeline so releases took minutes instead of hours."


async def _play(thread_id: str, seed: int | None) -> tuple[list[str], int]:
    graph = build_graph(checkpointer=InMemorySaver())
    start = {"settings": SETTINGS} | ({} if seed is None else {"seed": seed})
    texts = [(await run_turn(graph, thread_id, start, OFFLINE)).text]
    texts.append((await answer(graph, thread_id, ANSWER, OFFLINE)).text)
    return texts, (await state_of(graph, thread_id)).seed


async def test_the_seed_comes_from_the_input_whatever_the_thread_id() -> None:
    first, first_seed = await _play("0f8fad5b-d9cb-469f-a165-70867728950e:0", 1234)
    second, second_seed = await _play("studio-thread", 1234)
    assert (first_seed, second_seed) == (1234, 1234)
    assert first == second, "the same seed and answers made different interviews"


async def test_an_interview_started_without_a_seed_is_seeded_zero() -> None:
    texts, seed = await _play("0f8fad5b-d9cb-469f-a165-70867728950e:3", None)
    assert seed == 0
    assert texts == (await _play("any-other-thread", 0))[0]
