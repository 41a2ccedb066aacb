"""The interviewer-quality suite: every persona through a whole interview, measured.

`make quality` (``python -m tests.support.quality``) prints one row per persona for the offline
model, and for Groq when GROQ_API_KEY is set; tests/graph/test_personas.py asserts the offline
thresholds in `make test`. Per interview it measures:

* counts and order: every planned question asked once, stages in order, follow-ups within the
  limit, integrity attacks counted exactly, process requests and passes never counted;
* repeats: questions asked twice (the re-asks of a warning, nudge or redirect excluded);
* skeleton: the largest number of interviewer replies sharing one sentence skeleton (a sentence
  with its quotes, numbers and the candidate's name blanked): a template that shows;
* follow-ups on the answer: the share of follow-ups that share a content word with the answer
  they probe;
* acknowledgements that fit: a quote must be the candidate's words (two or more of them), a gap
  must not be thanked for its "detail", an off-topic answer must not be quoted or thanked;
* relevance (issue 18): redirects of answers the persona meant as on topic (target 0), replies
  quoting words of an answer meant as off the question (target 0), and follow-ups that steer an
  answer on a neighbouring topic back to the question (counted, not quoted, not probed);
* and once per run, not per persona: the admitted-gap phrasings of `graph.language.GAP_PHRASES`
  recognised as gaps in any case and punctuation (all of them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from devkit.candidate import is_final
from devkit.graph_driver import answer, start, state_of
from graph.context import Context
from graph.graph import build_graph
from graph.language import GAP_PHRASES, content_words, is_gap, message_text
from graph.state import LABEL_KEY, InterviewSettings, State
from graph.text import last_paragraph
from tests.support.personas import Persona, personas

STAGE_ORDER = ["welcome", "personal", "behavioral", "technical", "custom", "closing", "done"]
SPOKEN_KINDS = {"greeting", "personal", "question", "follow_up", "redirect", "closing"}
ASKING_KINDS = {"greeting", "personal", "question", "follow_up"}

SETTINGS: dict[str, InterviewSettings] = {
    "strong": InterviewSettings(
        behavioral_questions=2,
        technical_questions=3,
        skills=["python", "postgresql", "terraform"],
        job_position="Backend Engineer",
        custom_questions=["What is your notice period?"],
    ),
    "weak": InterviewSettings(behavioral_questions=1, technical_questions=3, skills=["sql"]),
    "terse": InterviewSettings(
        behavioral_questions=1, technical_questions=4, skills=["python", "graphql"]
    ),
    "rambling": InterviewSettings(
        behavioral_questions=1, technical_questions=3, skills=["docker", "kubernetes"]
    ),
    "evasive": InterviewSettings(
        behavioral_questions=2, technical_questions=3, skills=["javascript"], candidate_name=""
    ),
    "cheater": InterviewSettings(
        behavioral_questions=2,
        technical_questions=3,
        skills=["java", "system design"],
        job_position="Platform Engineer",
    ),
    "injector": InterviewSettings(behavioral_questions=1, technical_questions=3, skills=["aws"]),
    "non_native": InterviewSettings(
        behavioral_questions=1,
        technical_questions=2,
        skills=["redis", "sql"],
        custom_questions=["Are you open to relocating to Berlin?"],
    ),
}

THRESHOLDS = {
    "max_skeleton": 2,
    "follow_ups_on_answer": 0.8,
    "acks_fit": 1.0,
    "on_topic_redirects": 0,
    "off_topic_quotes": 0,
}
"""What the offline interviewer must meet for every persona (tests/graph/test_personas.py)."""


@dataclass
class Report:
    persona: str
    turns: int
    counts_ok: bool
    order_ok: bool
    repeats: int
    max_skeleton: int
    skeleton: str
    follow_ups: int
    follow_ups_on_answer: float
    acks: int
    acks_fit: float
    cheats: tuple[int, int]
    process_events: int
    on_topic_redirects: int
    off_topic_quotes: int
    steers: int
    problems: list[str]
    transcript: list[tuple[str, str]]


def _label(message: BaseMessage) -> dict[str, Any]:
    label = message.additional_kwargs.get(LABEL_KEY)
    return dict(label) if isinstance(label, dict) else {}


def _text(message: BaseMessage) -> str:
    return message_text(message)


_QUOTE = re.compile(r"(?<![\w])'([^']{1,80}?)'(?![\w])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def skeleton(sentence: str, name: str = "") -> str:
    """A sentence with what varies blanked: quotes, numbers, the candidate's name."""
    text = _QUOTE.sub("_", sentence)
    if name:
        text = text.replace(name, "N")
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def ack_fits(lead: str, answer: str) -> str | None:
    """Why an acknowledgement does not fit its answer, or None when it does."""
    for quoted in _QUOTE.findall(lead):
        if quoted.lower() not in answer.lower():
            return f"quotes words the candidate did not say: {quoted!r}"
        if len(quoted.split()) < 2:
            return f"quotes a fragment of one word: {quoted!r}"
    lowered = lead.lower()
    if is_gap(answer) and re.search(
        r"explain|detail|walking me through|your thinking|thoughtful", lowered
    ):
        return f"thanks a gap for its detail: {lead!r}"
    return None


def measure(
    persona: Persona, state: State, replies: Sequence[str], settings: InterviewSettings
) -> Report:
    problems: list[str] = []
    messages = state.messages
    name = state.candidate_name
    # Counts and order.
    asked = [
        m for m in messages if isinstance(m, AIMessage) and _label(m).get("kind") == "question"
    ]
    by_stage = Counter(_label(m).get("stage") for m in asked)
    expected = {
        "behavioral": settings.behavioral_questions,
        "technical": settings.technical_questions,
        "custom": len(settings.custom_questions or []),
    }
    counts_ok = (
        state.stage == "done"
        and state.questions_asked == settings.total_expected_questions
        and all(by_stage.get(k, 0) == v for k, v in expected.items())
        and state.potential_cheat_attempts == persona.sent_attacks
        and len([e for e in state.process_events if e.kind != "pass_question"])
        == persona.sent_process
        and state.questions_passed == persona.sent_passes
        and sum(r.count("End of interview") for r in replies) == 1
    )
    if not counts_ok:
        problems.append(
            f"counts: stage={state.stage} asked={state.questions_asked}/"
            f"{settings.total_expected_questions} by_stage={dict(by_stage)} cheats="
            f"{state.potential_cheat_attempts}/{persona.sent_attacks} process="
            f"{len(state.process_events)} passes={state.questions_passed}/{persona.sent_passes}"
        )
    stages = [_label(m).get("stage", "welcome") for m in messages if isinstance(m, AIMessage)]
    ranks = [STAGE_ORDER.index(s) for s in stages if s in STAGE_ORDER]
    order_ok = ranks == sorted(ranks)
    if not order_ok:
        problems.append(f"order: {stages}")
    # Repeats.
    questions = [
        " ".join(last_paragraph(_text(m)).lower().split())
        for m in messages
        if isinstance(m, AIMessage) and _label(m).get("kind") in ASKING_KINDS
    ]
    repeats = len(questions) - len(set(questions))
    # Skeletons, follow-ups and acknowledgements, reply by reply.
    seen: Counter[str] = Counter()
    follow_ups = on_answer = acks = fit = on_topic_redirects = off_topic_quotes = steers = 0
    previous_answer = ""
    off_topic = [
        _text(m)
        for m in messages
        if isinstance(m, HumanMessage) and persona.off_the_question(_text(m))
    ]
    for message in messages:
        if isinstance(message, HumanMessage):
            previous_answer = _text(message)
            continue
        label = _label(message)
        kind = label.get("kind")
        if kind not in SPOKEN_KINDS:
            continue
        text = _text(message).replace("End of interview.", "")
        if kind == "redirect" and not persona.off_the_question(previous_answer):
            on_topic_redirects += 1
            problems.append(f"on-topic answer redirected: {previous_answer!r}")
        for quoted in _QUOTE.findall(text):
            if any(quoted.lower() in told.lower() for told in off_topic):
                off_topic_quotes += 1
                problems.append(f"quotes off-topic words: {quoted!r} in {text!r}")
        for sentence in {skeleton(s, name) for s in _SENTENCE.split(text) if len(s.split()) > 2}:
            seen[sentence] += 1
        if kind == "follow_up" and label.get("follow_up_kind") == "steer":
            # Aimed at the question, not the answer (a neighbouring topic): never quotes it.
            steers += 1
        elif kind == "follow_up":
            follow_ups += 1
            question = last_paragraph(text)
            if content_words(question) & content_words(previous_answer):
                on_answer += 1
            else:
                problems.append(f"follow-up off the answer: {question!r} <- {previous_answer!r}")
        paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        if previous_answer.strip() and len(paragraphs) >= 2 and kind != "redirect":
            acks += 1
            why = ack_fits(paragraphs[0], previous_answer)
            if why is None:
                fit += 1
            else:
                problems.append(f"ack: {why}")
    top, count = seen.most_common(1)[0] if seen else ("", 0)
    if count > THRESHOLDS["max_skeleton"]:
        problems.append(f"skeleton x{count}: {top!r}")
    return Report(
        persona=persona.key,
        turns=state.turns,
        counts_ok=counts_ok,
        order_ok=order_ok,
        repeats=repeats,
        max_skeleton=count,
        skeleton=top,
        follow_ups=follow_ups,
        follow_ups_on_answer=on_answer / follow_ups if follow_ups else 1.0,
        acks=acks,
        acks_fit=fit / acks if acks else 1.0,
        cheats=(state.potential_cheat_attempts, persona.sent_attacks),
        process_events=len(state.process_events),
        on_topic_redirects=on_topic_redirects,
        off_topic_quotes=off_topic_quotes,
        steers=steers,
        problems=problems,
        transcript=[
            ("Mia" if isinstance(m, AIMessage) else "Candidate", _text(m)) for m in messages
        ],
    )


async def run_persona(persona: Persona, context: Context, max_turns: int = 80) -> Report:
    """One whole interview of `persona` through the graph (in-memory checkpoints)."""
    graph = build_graph(checkpointer=InMemorySaver())
    settings = SETTINGS.get(persona.key, InterviewSettings(skills=["python"]))
    thread = f"quality-{persona.key}"
    text = (await start(graph, thread, settings, context)).text
    replies = [text]
    for turn in range(max_turns):
        if is_final(text):
            break
        state = await state_of(graph, thread)
        last = next((m for m in reversed(state.messages) if isinstance(m, AIMessage)), None)
        reply = persona.reply(text, _label(last) if last else None, turn)
        text = (await answer(graph, thread, reply, context)).text
        replies.append(text)
    return measure(persona, await state_of(graph, thread), replies, settings)


async def run_all(context: Context) -> list[Report]:
    return [await run_persona(p, context) for p in personas()]


def gap_phrasings() -> tuple[int, int, list[str]]:
    """How many listed admitted-gap phrasings (GAP_PHRASES, each also upper case, capitalised
    with a full stop, and inside "Hmm, ...!!") are read as gaps: (recognised, listed, missed)."""
    missed = [
        variant
        for phrase in GAP_PHRASES
        for variant in (phrase, phrase.upper(), f"{phrase.capitalize()}.", f"Hmm, {phrase}!!")
        if not is_gap(variant)
    ]
    listed = len(GAP_PHRASES)
    return listed - len({m.lower().strip(" .!,hm") for m in missed}), listed, missed


def table(reports: Sequence[Report], title: str) -> str:
    header = (
        f"{'persona':<11} {'turns':>5} {'counts':>6} {'order':>5} {'repeats':>7} "
        f"{'skeleton':>8} {'follow-ups':>10} {'on answer':>9} {'acks fit':>8} "
        f"{'cheats':>7} {'process':>7} {'redirected on topic':>19} "
        f"{'quoted off topic':>16} {'steers':>6}"
    )
    lines = [title, header, "-" * len(header)]
    for r in reports:
        lines.append(
            f"{r.persona:<11} {r.turns:>5} {'ok' if r.counts_ok else 'WRONG':>6} "
            f"{'ok' if r.order_ok else 'WRONG':>5} {r.repeats:>7} {r.max_skeleton:>8} "
            f"{r.follow_ups:>10} {r.follow_ups_on_answer:>9.0%} {r.acks_fit:>8.0%} "
            f"{r.cheats[0]:>3}/{r.cheats[1]:<3} {r.process_events:>7} "
            f"{r.on_topic_redirects:>19} {r.off_topic_quotes:>16} {r.steers:>6}"
        )
    return "\n".join(lines)


# Five whole interviews with varied settings and hand-written answers (docs/QUALITY.md, "Five
# interviews"): a titled compound name, an empty message, a short answer, a gap, a feedback request,
# a pass, an off-topic story, a hint request, a request to stop, and a plan with no questions.
SHOWCASE: dict[str, tuple[InterviewSettings, list[str]]] = {
    "1": (
        InterviewSettings(
            behavioral_questions=1,
            technical_questions=2,
            skills=["postgresql", "terraform"],
            job_position="Platform Engineer",
        ),
        [
            "It's Dr. Maria-Luisa van der Berg.",
            "I've run the platform team at a logistics company for three years, and I want to"
            " work somewhere the infrastructure is the product.",
            "",
            "Last year our on-call rotation was burning people out. I collected six months of"
            " pages, showed that 40 percent came from two noisy alerts, and got agreement to "
            "fix those before adding features. Pages dropped by half within a month.",
            "Indexes on the join keys.",
            "A composite B-tree index on customer_id and created_at, because most queries "
            "filter by customer and sort by date, so the planner can do an index range scan "
            "instead of sorting.",
            "Honestly, I don't know Terraform workspaces well; we used Pulumi.",
        ],
    ),
    "2": (
        InterviewSettings(
            behavioral_questions=0,
            technical_questions=2,
            skills=["python"],
            candidate_name="Ana Lopez",
            custom_questions=["What is your notice period?"],
        ),
        [
            "I like building developer tools, and this team ships the internal platform "
            "everyone uses.",
            "The event loop runs one coroutine at a time, so a blocking call like "
            "requests.get freezes every other request on that worker until it returns.",
            "We wrapped the blocking client in run_in_executor with a thread pool, put a "
            "timeout on every await, and added a lint rule that flags synchronous HTTP calls "
            "inside async functions.",
            "How am I doing so far?",
            "Can I pass on this one?",
            "Four weeks, and I could start a bit earlier if needed.",
        ],
    ),
    "3": (
        InterviewSettings(
            behavioral_questions=2,
            technical_questions=1,
            skills=["graphql"],
            job_position="Backend Engineer",
        ),
        [
            "Sam",
            "I want to own an API end to end, from schema design to the on-call.",
            "My teammate wanted to rewrite our billing service in Go and I thought it was too"
            " risky. We wrote down both plans with their costs, ran a two-week spike, and "
            "agreed to extract only the invoicing part first. It shipped without incidents.",
            "Honestly the thing I think about most these days is parking near our office in "
            "Oakland, because the garage raised prices again and now everyone takes the "
            "ferry.",
            "Sorry, back to the question: I once inherited a deploy script nobody understood,"
            " so I documented it, added a dry-run mode and replaced it step by step with a "
            "pipeline over two months.",
            "We used DataLoader to batch the resolver calls per request, so a list of 50 "
            "orders made one query for the customers instead of fifty.",
            "If one batch fails, DataLoader rejects every key in it, so we return partial "
            "data with errors per field, and the client shows what it has.",
        ],
    ),
    "4": (
        InterviewSettings(behavioral_questions=1, technical_questions=1, skills=["kubernetes"]),
        [
            "hi, i'm jean-luc o'brien",
            "Growth, mostly.",
            "   ",
            "I had to tell a customer their migration would slip a week. I called them before"
            " the deadline, explained what broke and what we'd changed, and offered a daily "
            "update. They stayed with us.",
            "Can you give me a hint?",
            "I'd look at kubectl describe for the last state and exit code, then the previous"
            " container's logs, and check whether the liveness probe fires before the app is "
            "ready.",
            "Can we stop here?",
            "If the probe is the cause I'd add a startup probe with a longer threshold rather"
            " than loosening the liveness probe, so a real hang still restarts the pod.",
        ],
    ),
    "5": (
        InterviewSettings(behavioral_questions=0, technical_questions=0, candidate_name="Priya"),
        [
            "I've followed your work on open data for years and would love to contribute.",
        ],
    ),
}


async def showcase(key: str, context: Context) -> list[str]:
    """One showcase interview, as lines of a transcript (an admin ends it if answers run out)."""
    settings, answers = SHOWCASE[key]
    graph = build_graph(checkpointer=InMemorySaver())
    thread = f"showcase-{key}"
    text = (await start(graph, thread, settings, context)).text
    lines = [f"Mia: {text}"]
    for reply in answers:
        if is_final(text):
            break
        lines.append(f"Candidate: {reply!r}")
        text = (await answer(graph, thread, reply, context)).text
        lines.append(f"Mia: {text}")
    if not is_final(text):
        text = (await answer(graph, thread, "end_interview", context, kind="system")).text
        lines += ["[admin: end_interview]", f"Mia: {text}"]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transcripts", action="store_true", help="print every interview")
    parser.add_argument("--problems", action="store_true", help="list every finding")
    parser.add_argument("--showcase", action="store_true", help="docs/QUALITY.md's five interviews")
    args = parser.parse_args(argv)
    if args.showcase:
        for key in SHOWCASE:
            print(f"##### interview {key}\n")
            print("\n\n".join(asyncio.run(showcase(key, Context(llm="offline")))) + "\n")
        return 0
    runs = [("offline model", Context(llm="offline"))]
    if os.environ.get("GROQ_API_KEY"):
        runs.append(("Groq", Context(llm="groq")))
    else:
        print("(Groq: GROQ_API_KEY is not set, so only the offline model is measured)\n")
    for title, context in runs:
        reports = asyncio.run(run_all(context))
        print(table(reports, f"Interviewer quality: {title}"))
        print(
            f"thresholds (offline, asserted in make test): skeleton <= "
            f"{THRESHOLDS['max_skeleton']}, follow-ups on the answer >= "
            f"{THRESHOLDS['follow_ups_on_answer']:.0%}, acknowledgements fit "
            f"{THRESHOLDS['acks_fit']:.0%}, counts and order exact, no repeats, on-topic "
            f"answers redirected {THRESHOLDS['on_topic_redirects']}, off-topic words quoted "
            f"{THRESHOLDS['off_topic_quotes']}"
        )
        recognised, listed, missed = gap_phrasings()
        print(
            f"admitted-gap phrasings recognised: {recognised}/{listed}"
            + (f" (missed: {missed})" if missed else "")
            + "\n"
        )
        for r in reports:
            if args.problems and r.problems:
                print(f"[{r.persona}]")
                for problem in r.problems:
                    print(f"  - {problem}")
            if args.transcripts:
                print(f"=== {r.persona} ===")
                for who, text in r.transcript:
                    print(f"{who}: {text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
