"""Depth probes: after a mostly pasted or implausibly fast answer, ask about one part of it.

The probe is the interview's only response to an integrity signal, and it is a question, not a
verdict: the candidate is asked to explain one specific part of their answer in their own words,
as the next follow-up and within the follow-up budget. A person reading the report sees the
probe's answer beside the original one and judges.

It is decided after the follow-up policy (graph/follow_up.py) has decided, by
`decide_follow_up` (graph/nodes.py), and only when every condition holds:
- the probe is switched on (`INTERVIEWER_INTEGRITY_DEPTH_PROBES`);
- the stage cross-questions its answers and the question's follow-up budget is not spent;
- the answer is a real answer (not a gap, a pass, off topic) and came from the candidate page
  (client signals): an answer with no signals behaves exactly as before;
- its signals say mostly pasted or implausibly fast (graph/integrity.py, `PROBE_FLAGS`);
- no probe was asked on this question yet.

Its words are fixed, not the LLM's: what a candidate is asked after a signal is the same for
everyone, and never an accusation.
"""

from __future__ import annotations

from graph import stages
from graph.context import Context
from graph.follow_up import last_answer, read_answer
from graph.integrity import PROBE_FLAGS, AnswerSignals, DepthProbe
from graph.language import content_words, sentences
from graph.language.words import tech_stems
from graph.state import FollowUpDecision, State

PROBE_KIND = "depth_probe"
"""The label a depth probe's message carries (`depth_probe: true`) and the decision's reason
starts with."""


def _latest_signals(state: State) -> AnswerSignals | None:
    """The signals of the answer being decided on (the latest message), if it has any."""
    if not state.answer_signals:
        return None
    latest = state.answer_signals[-1]
    return latest if latest.message_index == len(state.messages) - 1 else None


def choose_phrase(answer: str) -> str:
    """The part of the answer to ask about, in the candidate's words: its clause that names the
    most technical things, cut to a few words. Sentences and technical words are
    graph.language's; the cut into clauses at commas and semicolons is this choice's own."""
    clauses = [
        " ".join(part.split())
        for sentence in sentences(answer)
        for piece in sentence.replace(";", ",").split(",")
        if (part := piece.strip(" .!?'\"()"))
    ]
    if not clauses:
        return ""

    def weight(window: tuple[list[str], bool]) -> tuple[int, bool]:
        # The most technical words; then a window that ends where its clause does.
        words, ends_clause = window
        return (len(content_words(" ".join(words)) & tech_stems()), ends_clause)

    windows: list[tuple[list[str], bool]] = []
    for clause in clauses:
        words = clause.split()
        while len(words) > 3 and words[0].lower() in _LEAD_WORDS:
            words = words[1:]  # "and move the queries": start where the content does
        size = min(_MAX_PHRASE_WORDS, len(words))
        last = len(words) - size
        windows += [(words[i : i + size], i == last) for i in range(last + 1)]
    return " ".join(max(windows, key=weight)[0])


_LEAD_WORDS = frozenset(
    [
        "and",
        "or",
        "but",
        "so",
        "then",
        "also",
        "i",
        "we",
        "would",
        "will",
        "could",
        "should",
        "i'd",
        "we'd",
    ]
)
_MAX_PHRASE_WORDS = 6


def consider(state: State, context: Context, decision: FollowUpDecision) -> DepthProbe | None:
    """A depth probe on the latest answer, or None (see the module's conditions)."""
    if not context.integrity_depth_probes:
        return None
    if stages.follow_up_rule(state.stage) != "cross_question":
        return None
    if state.follow_ups >= state.max_follow_ups or decision.action == "redirect":
        return None
    if state.screening != "answer" or read_answer(state) != "answer":
        return None
    signals = _latest_signals(state)
    if signals is None or signals.client is None:
        return None
    flags = [flag for flag in signals.flags if flag in PROBE_FLAGS]
    if not flags:
        return None
    if any(p.number == state.questions_asked for p in state.depth_probes):
        return None
    why = " and ".join(flag.replace("_", " ") for flag in flags)
    return DepthProbe(
        number=state.questions_asked,
        answer_index=signals.message_index,
        phrase=choose_phrase(last_answer(state)),
        reason=f"{PROBE_KIND}: the answer was {why}",
    )


def as_decision(probe: DepthProbe, decision: FollowUpDecision) -> FollowUpDecision:
    """The follow-up decision that asks `probe` instead of what the policy chose."""
    return FollowUpDecision(
        action="follow_up",
        kind="explain",
        reason=f"{probe.reason} (the policy chose: {decision.action}, {decision.reason})",
        source=decision.source,
    )


def question(probe: DepthProbe) -> str:
    """What the interviewer asks: calm, specific, the same for everyone."""
    return (
        "Thank you. Before we go on, I'd like to hear one part of that in your own words. "
        f"You mentioned \u201c{probe.phrase}\u201d: could you explain what you mean by it, "
        "and how you have used it yourself?"
    )
