"""Turn events: tokens already waiting leave as one chunk, and nothing is reordered or lost."""

from __future__ import annotations

from api.interviews import Turn, TurnEvent


def _token(text: str) -> TurnEvent:
    return TurnEvent("token", {"text": text})


async def test_waiting_tokens_are_joined_without_crossing_other_events() -> None:
    turn = Turn()
    for event in (
        _token("Hel"),
        _token("lo "),
        TurnEvent("flag", {"rule": "r"}),
        _token("there"),
        _token("!"),
        TurnEvent("done"),
        None,
    ):
        turn.queue.put_nowait(event)
    events = [e async for e in turn.events()]
    assert [(e.kind, e.data.get("text")) for e in events] == [
        ("token", "Hello "),
        ("flag", None),
        ("token", "there!"),
        ("done", None),
    ]


async def test_tokens_before_the_end_of_the_turn_are_not_lost() -> None:
    turn = Turn()
    for event in (_token("a"), _token("b"), None):
        turn.queue.put_nowait(event)
    assert [e.data["text"] async for e in turn.events()] == ["ab"]


async def test_after_the_first_token_tokens_are_grouped_within_the_flush_interval() -> None:
    import asyncio

    turn = Turn(flush_interval=0.05)

    async def produce() -> None:
        for piece in ("a", "b", "c", "d"):
            turn.queue.put_nowait(_token(piece))
            await asyncio.sleep(0.005)
        turn.queue.put_nowait(TurnEvent("done"))
        turn.queue.put_nowait(None)

    producer = asyncio.create_task(produce())
    events = [e async for e in turn.events()]
    await producer
    tokens = [e.data["text"] for e in events if e.kind == "token"]
    assert tokens[0] == "a"  # the first token is never held back
    assert "".join(tokens) == "abcd"
    assert len(tokens) == 2
    assert events[-1].kind == "done"


async def test_a_reader_that_stops_after_the_first_token_and_resumes_misses_no_event() -> None:
    # What streaming does: read up to the first token (to choose the status), then the rest.
    turn = Turn(flush_interval=0.0)
    for event in (
        TurnEvent("token", {"text": "Hello"}),
        TurnEvent("state", {"stage": "personal"}),
        TurnEvent("done"),
    ):
        turn.queue.put_nowait(event)
    turn.queue.put_nowait(None)
    async for event in turn.stream():
        if event.kind == "token":
            break
    assert [e.kind async for e in turn.stream()] == ["state", "done"]
