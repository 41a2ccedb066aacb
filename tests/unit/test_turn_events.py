"""Turn events: tokens already waiting leave as one chunk, and nothing is reordered or lost."""

from __future__ import annotations

from api.interviews import Turn
from graph.events import FlagEvent, StateEvent, TurnEvent, done, token

FLAG: FlagEvent = {
    "event": "flag",
    "turn": 1,
    "category": "c",
    "rule": "r",
    "excerpt": "e",
    "time": "t",
}
STATE: StateEvent = {
    "event": "state",
    "stage": "personal",
    "questions_asked": 0,
    "total_expected_questions": 3,
    "active": True,
    "potential_cheat_attempts": 0,
    "process_events": 0,
}


def _text(event: TurnEvent) -> str | None:
    return event["text"] if event["event"] == "token" else None


async def test_waiting_tokens_are_joined_without_crossing_other_events() -> None:
    turn = Turn()
    for event in (token("Hel"), token("lo "), FLAG, token("there"), token("!"), done(), None):
        turn.queue.put_nowait(event)
    events = [e async for e in turn.events()]
    assert [(e["event"], _text(e)) for e in events] == [
        ("token", "Hello "),
        ("flag", None),
        ("token", "there!"),
        ("done", None),
    ]


async def test_tokens_before_the_end_of_the_turn_are_not_lost() -> None:
    turn = Turn()
    for event in (token("a"), token("b"), None):
        turn.queue.put_nowait(event)
    assert [_text(e) async for e in turn.events()] == ["ab"]


async def test_after_the_first_token_tokens_are_grouped_within_the_flush_interval() -> None:
    import asyncio

    turn = Turn(flush_interval=0.05)

    async def produce() -> None:
        for piece in ("a", "b", "c", "d"):
            turn.queue.put_nowait(token(piece))
            await asyncio.sleep(0.005)
        turn.queue.put_nowait(done())
        turn.queue.put_nowait(None)

    producer = asyncio.create_task(produce())
    events = [e async for e in turn.events()]
    await producer
    tokens = [e["text"] for e in events if e["event"] == "token"]
    assert tokens[0] == "a"  # the first token is never held back
    assert "".join(tokens) == "abcd"
    assert len(tokens) == 2
    assert events[-1]["event"] == "done"


async def test_a_reader_that_stops_after_the_first_token_and_resumes_misses_no_event() -> None:
    # What streaming does: read up to the first token (to choose the status), then the rest.
    turn = Turn(flush_interval=0.0)
    for event in (token("Hello"), STATE, done()):
        turn.queue.put_nowait(event)
    turn.queue.put_nowait(None)
    async for event in turn.stream():
        if event["event"] == "token":
            break
    assert [e["event"] async for e in turn.stream()] == ["state", "done"]
