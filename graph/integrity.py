"""Integrity signals of a candidate's answer: evidence for a person to weigh, never a verdict.

Two sources. The candidate page sends what it saw while the answer was written (`ClientSignals`:
keystrokes, typing time, each paste's length, each loss of focus or hidden page, with its
duration; never what was typed or pasted). The server times the answer itself: from the end of
the streamed question to the answer's arrival, the implied words per minute, the share that was
pasted, and whether the page's account fits the answer's length and timing. Both are kept with
the answer (`AnswerSignals`, in the interview state) and shown to the hiring team with a
plain-language note (`describe`). Nothing here changes `potential_cheat_attempts` or a score:
the only thing the interview does with a signal is ask a depth probe (graph/depth_probe.py).

What each signal means and its known false positives: docs/INTEGRITY.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from langchain_core.messages import AIMessage
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

if TYPE_CHECKING:
    from graph.context import Context
    from graph.state import CandidateInput, State

SPOKEN_AT = "spoken_at"
"""Key, in an interviewer message's `response_metadata`, of when its last word was streamed
(ISO 8601, UTC): the end of the question the next answer is timed from."""

MAX_MS = 86_400_000
"""A day in milliseconds: no client time may be longer."""
MAX_EVENTS = 200
"""At most this many pastes, focus losses or hidden periods per answer."""
CLOCK_SLACK_SECONDS = 5.0
"""How much longer than the server's own timing the page's times may be (network, streaming
delay, clocks) before the two are called inconsistent."""
TYPED_SHARE_FLOOR = 0.5
"""An answer of which the page saw less than this share typed or pasted is inconsistent."""


def _integral(value: Any) -> Any:
    # JSON numbers from a browser: 12.0 is 12; 12.5 is refused (strict) rather than rounded.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Ms = Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=0, le=MAX_MS)]
"""Milliseconds, 0 to a day."""


class Paste(BaseModel):
    """One paste into the answer box: how many characters, and when (never what)."""

    model_config = ConfigDict(extra="ignore")

    length: int = Field(strict=True, ge=0, le=100_000, description="Characters pasted.")
    at_ms: Ms = Field(description="Milliseconds after the question finished streaming.")


class Absence(BaseModel):
    """One time the candidate was away from the page: its window lost focus, or it was hidden."""

    model_config = ConfigDict(extra="ignore")

    at_ms: Ms = Field(description="Milliseconds after the question finished streaming.")
    duration_ms: Ms = Field(description="How long it lasted, in milliseconds.")


class ClientSignals(BaseModel):
    """What the candidate page saw while this answer was written (ChatMessage `signals`).

    Optional and bounded: a value out of range is a 422 naming the field; unknown fields are
    ignored. Every time is in milliseconds after the question finished streaming on the page.
    """

    model_config = ConfigDict(extra="ignore")

    first_key_ms: Ms | None = Field(
        default=None, description="When the first key was pressed or the first paste made."
    )
    typing_ms: Ms | None = Field(
        default=None, description="From the first to the last edit of the answer box."
    )
    keystrokes: int = Field(
        default=0, strict=True, ge=0, le=200_000, description="Keys pressed in the answer box."
    )
    pastes: list[Paste] = Field(default_factory=list, max_length=MAX_EVENTS)
    blurs: list[Absence] = Field(
        default_factory=list,
        max_length=MAX_EVENTS,
        description="Each time the page's window lost focus (another window or tab in front).",
    )
    hidden: list[Absence] = Field(
        default_factory=list,
        max_length=MAX_EVENTS,
        description="Each time the page was hidden (another tab shown, the window minimised).",
    )

    @property
    def pasted(self) -> int:
        return sum(p.length for p in self.pastes)


Flag = Literal["mostly_pasted", "implausibly_fast", "inconsistent", "late", "left_page"]
"""What a person may want to look at: `mostly_pasted` (at least the pasted-share threshold),
`implausibly_fast` (more words per minute than the threshold, counting from the question's
end), `inconsistent` (the page's account does not fit the answer), `late` (after the time
limit), `left_page` (the page was hidden or lost focus while the answer was written)."""

PROBE_FLAGS: frozenset[str] = frozenset({"mostly_pasted", "implausibly_fast"})
"""The flags that make the next follow-up a depth probe (graph/depth_probe.py)."""


class AnswerSignals(BaseModel):
    """The signals of one candidate message, kept with it in the interview state."""

    message_index: int = Field(description="Index of the message in the session's history.")
    turn: int = Field(description="The candidate turn (as cheat events count them).")
    stage: str
    number: int = Field(description="The main question it answers (0 before the first).")
    follow_up: int = Field(default=0, description="0: the question itself; k: follow-up k.")
    screening: str = Field(default="answer", description="answer, integrity, process or pass.")
    words: int
    chars: int
    received_at: str = Field(description="When the answer arrived (ISO 8601, UTC).")
    seconds_to_answer: float | None = Field(
        default=None,
        description="From the end of the streamed question to the answer's arrival; None when "
        "the question's end is unknown.",
    )
    words_per_minute: float | None = Field(
        default=None, description="Words over `seconds_to_answer`: typing speed at the least."
    )
    pasted_chars: int | None = Field(
        default=None, description="Characters pasted, at most the answer's (None: no page signals)."
    )
    pasted_share: float | None = Field(
        default=None, description="pasted_chars over the answer's characters (None: no signals)."
    )
    client: ClientSignals | None = Field(
        default=None, description="What the candidate page sent; None from other clients."
    )
    inconsistencies: list[str] = Field(
        default_factory=list, description="Where the page's account does not fit the answer."
    )
    time_limit_seconds: int | None = Field(
        default=None, description="The question's time limit, if it had one."
    )
    late: bool = Field(default=False, description="It arrived after the time limit.")
    flags: list[Flag] = Field(default_factory=list)


class Thresholds(BaseModel):
    """The operator's thresholds (Context's `integrity_*` settings) a measurement uses."""

    pasted_share: float
    fast_wpm: float
    min_words: int

    @classmethod
    def of(cls, context: Context) -> Thresholds:
        return cls(
            pasted_share=context.integrity_pasted_share,
            fast_wpm=context.integrity_fast_wpm,
            min_words=context.integrity_min_words,
        )


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _instant(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def question_ended_at(state: State) -> datetime | None:
    """When the interviewer's latest message finished streaming (None: unknown, e.g. a
    checkpoint written before this was recorded)."""
    for message in reversed(state.messages):
        if isinstance(message, AIMessage):
            return _instant(message.response_metadata.get(SPOKEN_AT))
    return None


def time_limit(state: State) -> int | None:
    """The session's answer time limit in seconds (None: none)."""
    limit = state.settings.answer_time_limit_seconds
    return limit if limit else None


def deadline(state: State) -> datetime | None:
    """When the current question's time limit runs out (None: no limit, or not asked yet)."""
    limit = time_limit(state)
    ended = question_ended_at(state)
    if limit is None or ended is None or not state.active:
        return None
    return ended + timedelta(seconds=limit)


def measure(
    state: State,
    inbox: CandidateInput,
    thresholds: Thresholds,
    *,
    message_index: int,
    screening: str,
) -> AnswerSignals:
    """The signals of the candidate message in `inbox`, timed against the question it answers."""
    text = inbox.message
    words = len(text.split())
    chars = len(text.strip())
    received = _instant(inbox.received_at) or datetime.now(UTC)
    ended = question_ended_at(state)
    seconds = max(0.0, (received - ended).total_seconds()) if ended else None
    wpm = round(words / (max(seconds, 0.5) / 60), 1) if seconds is not None and words else None
    client = inbox.signals
    pasted = min(chars, client.pasted) if client else None
    share = round(pasted / chars, 3) if client and chars and pasted is not None else None
    limit = time_limit(state)
    late = limit is not None and seconds is not None and seconds > limit
    considered = screening == "answer" and words >= thresholds.min_words
    inconsistencies = _inconsistencies(client, chars, seconds) if client and considered else []
    flags: list[Flag] = []
    if considered and share is not None and share >= thresholds.pasted_share:
        flags.append("mostly_pasted")
    if considered and wpm is not None and wpm > thresholds.fast_wpm:
        flags.append("implausibly_fast")
    if inconsistencies:
        flags.append("inconsistent")
    if late:
        flags.append("late")
    if client and (client.blurs or client.hidden):
        flags.append("left_page")
    return AnswerSignals(
        message_index=message_index,
        turn=state.turns,
        stage=state.stage,
        number=state.questions_asked,
        follow_up=state.follow_ups,
        screening=screening,
        words=words,
        chars=chars,
        received_at=received.isoformat(),
        seconds_to_answer=round(seconds, 1) if seconds is not None else None,
        words_per_minute=wpm,
        pasted_chars=pasted,
        pasted_share=share,
        client=client,
        inconsistencies=inconsistencies,
        time_limit_seconds=limit,
        late=late,
        flags=flags,
    )


def _inconsistencies(client: ClientSignals, chars: int, seconds: float | None) -> list[str]:
    found: list[str] = []
    seen = client.keystrokes + client.pasted
    if seen < TYPED_SHARE_FLOOR * chars:
        found.append(
            f"the answer has {chars} characters, but the page saw only {client.keystrokes} "
            f"keystrokes and {client.pasted} pasted characters"
        )
    if seconds is not None:
        times = [client.first_key_ms or 0, client.typing_ms or 0]
        times += [p.at_ms for p in client.pastes]
        longest = max(times) / 1000
        if longest > seconds + CLOCK_SLACK_SECONDS:
            found.append(
                f"the page reports {longest:.0f} s of activity, but the answer arrived "
                f"{seconds:.0f} s after the question"
            )
    return found


# --- what people read ------------------------------------------------------------------------


def _seconds(value: float) -> str:
    if value < 90:
        return f"{value:.0f} s"
    return f"{value / 60:.0f} min"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def describe(signals: AnswerSignals) -> str:
    """One plain-language sentence on an answer's signals ("About 90% of this answer was
    pasted, 4 s after the question; ...")."""
    parts: list[str] = []
    client = signals.client
    if client is None:
        parts.append("no page signals (sent by a client other than the candidate page)")
    elif signals.pasted_share and client.pastes:
        share = round(signals.pasted_share * 100)
        first = client.pastes[0].at_ms / 1000
        parts.append(
            f"about {share}% of this answer was pasted, {_seconds(first)} after the question"
        )
    elif client.keystrokes:
        span = (client.typing_ms or 0) / 1000
        parts.append(
            f"typed ({client.keystrokes} keystrokes over {_seconds(span)}), nothing pasted"
        )
    else:
        parts.append("nothing typed or pasted on the page")
    if signals.seconds_to_answer is not None:
        timing = f"sent {_seconds(signals.seconds_to_answer)} after the question"
        if signals.words_per_minute is not None and signals.words >= 5:
            wpm = signals.words_per_minute
            timing += f" ({signals.words} words, about {wpm:.0f} words a minute)"
        parts.append(timing)
    if "implausibly_fast" in signals.flags:
        parts.append("faster than anyone types")
    if client is not None:
        for name, events in (("hidden", client.hidden), ("out of focus", client.blurs)):
            if events:
                total = sum(e.duration_ms for e in events) / 1000
                parts.append(f"the page was {name} {_times(len(events))}, {_seconds(total)} in all")
    parts.extend(signals.inconsistencies)
    if signals.late and signals.time_limit_seconds is not None:
        over = (signals.seconds_to_answer or 0) - signals.time_limit_seconds
        parts.append(f"late: {_seconds(over)} past the {signals.time_limit_seconds} s limit")
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."


def summarize(answers: list[AnswerSignals]) -> str:
    """The session in one line: "3 of 7 answers mostly pasted; 1 implausibly fast; ..."."""
    real = [a for a in answers if a.screening == "answer"]
    n = len(real)
    if n == 0:
        return "No answers yet."

    def count(flag: str) -> int:
        return sum(flag in a.flags for a in real)

    noun = "answer" if n == 1 else "answers"
    parts = [f"{count('mostly_pasted')} of {n} {noun} mostly pasted"]
    for flag, words in (
        ("implausibly_fast", "implausibly fast"),
        ("inconsistent", "inconsistent with the page's signals"),
        ("left_page", "written while leaving the page"),
        ("late", "late"),
    ):
        if count(flag):
            parts.append(f"{count(flag)} {words}")
    unsigned = sum(a.client is None for a in real)
    if unsigned:
        parts.append(f"{unsigned} without page signals")
    return "; ".join(parts)


class DepthProbe(BaseModel):
    """A follow-up asking the candidate to explain part of a mostly pasted or implausibly fast
    answer in their own words (graph/depth_probe.py chooses it; labelled `depth_probe`)."""

    number: int = Field(description="The main question it was asked on.")
    answer_index: int = Field(description="History index of the answer it probes.")
    phrase: str = Field(description="The part of that answer it asks about, quoted.")
    reason: str = Field(description="Why: the answer's signals, in words.")
    question_index: int | None = Field(
        default=None, description="History index of the probe once asked."
    )


class AnswerEvidence(AnswerSignals):
    """An answer's integrity signals with a plain-language note, for people to weigh."""

    note: str = Field(description="The signals in one sentence.")


class IntegritySignals(BaseModel):
    """Paste, focus and timing signals per answer: evidence, never verdicts (docs/INTEGRITY.md)."""

    answers: list[AnswerEvidence] = Field(default_factory=list)
    summary: str = Field(
        default="No answers yet.",
        description='The session in one line: "3 of 7 answers mostly pasted; ...".',
    )
    counts: dict[str, int] = Field(
        default_factory=dict,
        description="`answers` (real answers), and how many of them carry each flag "
        "(mostly_pasted, implausibly_fast, inconsistent, late, left_page).",
    )
    depth_probes: int = Field(default=0, description="Depth probes asked.")
    note: str = Field(default="", description="How to read these signals.")


class ProbeOutcome(BaseModel):
    """A depth probe, with the answer it probed and the candidate's answer to it, side by side."""

    number: int = Field(description="The main question it was asked on.")
    reason: str
    phrase: str = Field(description="The part of the original answer it asked about.")
    original_answer: str
    question: str = Field(description="The probe as asked.")
    answer: str | None = Field(default=None, description="The candidate's answer to it, if any.")


EVIDENCE_NOTE = (
    "Signals for a person to weigh, never verdicts: drafting in another editor, assistive "
    "technology, dictation and fast or slow typists all leave these traces too. They never "
    "change the cheat count or a score. See docs/INTEGRITY.md."
)


def section(state: State) -> IntegritySignals:
    """What /security-info and the report show of a state's signals."""
    answers = [AnswerEvidence(**a.model_dump(), note=describe(a)) for a in state.answer_signals]
    real = [a for a in state.answer_signals if a.screening == "answer"]
    counts = {"answers": len(real)}
    for flag in ("mostly_pasted", "implausibly_fast", "inconsistent", "late", "left_page"):
        counts[flag] = sum(flag in a.flags for a in real)
    return IntegritySignals(
        answers=answers,
        summary=summarize(state.answer_signals),
        counts=counts,
        depth_probes=len(state.depth_probes),
        note=EVIDENCE_NOTE,
    )


def _text(message: Any) -> str:
    content = message.content
    return content if isinstance(content, str) else str(content)


_NEW_QUESTION = frozenset({"question", "follow_up", "closing"})


def probe_outcomes(state: State) -> list[ProbeOutcome]:
    """Each depth probe beside the answer it probed and the answer it got."""
    from langchain_core.messages import HumanMessage

    from graph.state import LABEL_KEY

    outcomes: list[ProbeOutcome] = []
    messages = state.messages
    for probe in state.depth_probes:
        original = _text(messages[probe.answer_index]) if probe.answer_index < len(messages) else ""
        asked = probe.question_index
        question = _text(messages[asked]) if asked is not None and asked < len(messages) else ""
        reply = None
        if asked is not None:
            for message in messages[asked + 1 :]:
                if isinstance(message, HumanMessage) and _text(message).strip():
                    reply = _text(message)
                    break
                label = message.additional_kwargs.get(LABEL_KEY) or {}
                if isinstance(message, AIMessage) and label.get("kind") in _NEW_QUESTION:
                    break  # the interview moved on before the probe was answered
        outcomes.append(
            ProbeOutcome(
                number=probe.number,
                reason=probe.reason,
                phrase=probe.phrase,
                original_answer=original,
                question=question,
                answer=reply,
            )
        )
    return outcomes
