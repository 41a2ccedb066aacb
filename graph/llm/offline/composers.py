"""The offline interviewer's composers: the reply for a `ReplyTask`, from the shipped bank.

The offline model (`model.py`) plays "Mia" with these: it reads facts from the task rather than
prose from a prompt, so nothing here parses the rendered prompt. The phrasings are the offline
model's own (`question_bank.json`); the skills and their technical questions are the interview's
(graph/skills.py), shared with every provider.

Output contract the graph relies on:

* a reply is zero or more acknowledgement/transition paragraphs, a blank line, and the question
  alone as the last paragraph (the graph records that paragraph as the current question);
* a closing thanks the candidate, explains next steps and says goodbye, with no question;
* no reply ever contains the end-of-interview marker: the graph appends it itself, so a marker
  coming from the model (or smuggled in through a quoted answer) would end interviews early;
* the same task (seed included) always yields the same text, and a question already listed in
  ``task.asked`` is never chosen again.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage
from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph import stages
from graph.language import (
    STOPWORDS,
    TECH_TERMS,
    first_name,
    has_marker,
    is_non_answer,
    is_pass,
    message_text,
    scrub_markers,
)
from graph.skills import display_name, is_skill_name, load_skills, resolve_skill, skills_in_text
from graph.tasks import FollowUpKind, ReplyTask

__all__ = [
    "QuestionBank",
    "load_question_bank",
    "playground_reply",
    "quotable_phrases",
    "render_reply",
    "salient_phrases",
]

BANK_PATH = Path(__file__).with_name("question_bank.json")
FOLLOW_UP_KINDS: tuple[FollowUpKind, ...] = (
    "deeper",
    "edge_case",
    "trade_off",
    "explain",
    "clarify",
)

# --------------------------------------------------------------------------------------------
# Question bank
# --------------------------------------------------------------------------------------------


class QuestionBank(BaseModel):
    """The offline interviewer's phrasings, validated once at load so a bad edit fails loudly
    and early."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    greetings: list[str] = Field(min_length=1)
    overviews: list[str] = Field(min_length=1)
    overviews_personal_only: list[str] = Field(min_length=1)
    overview_starts: list[str] = Field(min_length=1)
    ask_name: list[str] = Field(min_length=1)
    name_acks: list[str] = Field(min_length=1)
    personal: list[str] = Field(min_length=1)
    behavioral: list[str] = Field(min_length=1)
    generic_technical: list[str] = Field(min_length=1)
    general: list[str] = Field(min_length=1)
    follow_ups: dict[FollowUpKind, list[str]]
    follow_ups_topic: dict[FollowUpKind, list[str]]
    follow_ups_no_phrase: dict[FollowUpKind, list[str]]
    acknowledgements: list[str] = Field(min_length=1)
    short_acks: list[str] = Field(min_length=1)
    no_answer_acks: list[str] = Field(min_length=1)
    pass_acks: list[str] = Field(min_length=1)
    move_on_acks: list[str] = Field(min_length=1)
    redirect_leads: list[str] = Field(min_length=1)
    redirect_frames: list[str] = Field(min_length=1)
    transitions: dict[str, list[str]]
    skill_intros: list[str] = Field(min_length=1)
    candidate_questions: list[str] = Field(min_length=1)
    repeat_variants: list[str] = Field(min_length=1)
    closing_thanks: list[str] = Field(min_length=1)
    closing_thanks_early: list[str] = Field(min_length=1)
    closing_next_steps: list[str] = Field(min_length=1)
    closing_goodbyes: list[str] = Field(min_length=1)

    @property
    def closings(self) -> list[str]:
        """Every whole closing the parts can make (thanks, next steps, goodbye)."""
        return [
            f"{thanks}\n\n{steps} {bye}"
            for thanks in self.closing_thanks + self.closing_thanks_early
            for steps in self.closing_next_steps
            for bye in self.closing_goodbyes
        ]

    @model_validator(mode="after")
    def _check_references(self) -> QuestionBank:
        # Every follow-up kind needs templates: a gap would otherwise surface mid-interview as a
        # KeyError.
        for table in (self.follow_ups, self.follow_ups_topic, self.follow_ups_no_phrase):
            missing = [k for k in FOLLOW_UP_KINDS if not table.get(k)]
            if missing:
                raise ValueError(f"follow-up templates missing for kinds: {missing}")
        # The main stages spoken by a composer of their own open with a banked transition.
        for stage in (name for name in stages.main_names() if name in _COMPOSERS):
            if not self.transitions.get(stage):
                raise ValueError(f"no transition for stage {stage!r}")
        return self


@cache
def load_question_bank() -> QuestionBank:
    """Load and validate the shipped question bank (read from disk once per process)."""
    with BANK_PATH.open(encoding="utf-8") as fh:
        return QuestionBank.model_validate(json.load(fh))


# --------------------------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _fill(template: str, **values: str) -> str:
    # Only known placeholders are replaced: user text (names, custom questions) may contain
    # braces, and str.format would choke on them or expose attribute lookups.
    return re.sub(
        r"\{(\w+)\}",
        lambda m: values[m.group(1)] if m.group(1) in values else m.group(0),
        template,
    )


def _fill_name(template: str, name: str) -> str:
    """Fill {name}; with no name, drop it with its comma ("Thank you, {name}, for" -> "Thank you
    for")."""
    if name:
        return _fill(template, name=name)
    template = re.sub(r",\s*\{name\},", "", template)
    return re.sub(r",?\s*\{name\}", "", template)


def _address(task: ReplyTask) -> str:
    """How Mia addresses the candidate: the first given name ("Maria-Luisa", not "Dr.")."""
    return first_name(_one_line(task.candidate_name))


def _role(job_position: str) -> str:
    position = _one_line(job_position)
    if not position:
        return "this role"
    if re.search(r"\b(role|position)$", position, re.IGNORECASE):
        return f"the {position}"
    return f"the {position} role"


def _single_paragraph(text: str) -> str:
    # The graph reads the last paragraph as the question, so a question must not contain a
    # blank line of its own.
    return re.sub(r"\n\s*\n+", "\n", text.strip())


def _scrub_marker(text: str) -> str:
    return scrub_markers(text)


def _seeded(*parts: object) -> random.Random:
    # A string seed keeps choices stable across processes; hash() would be salted per process.
    return random.Random(":".join(str(p) for p in parts))


def _rng(task: ReplyTask, *parts: object) -> random.Random:
    """The generator for one decision of one reply: same task, same choice."""
    return _seeded(task.seed, task.kind, *parts)


def _permuted(items: Sequence[str], rng: random.Random) -> list[str]:
    shuffled = list(items)
    rng.shuffle(shuffled)
    return shuffled


class _Asked:
    """The questions already asked, compared the way the brief asks: normalised, and a
    question counts as asked when an asked entry contains it (entries may be whole replies)."""

    def __init__(self, asked: Sequence[str]) -> None:
        self._entries = [_norm(a) for a in asked if a and a.strip()]

    def __contains__(self, question: object) -> bool:
        if not isinstance(question, str):
            return False
        target = _norm(question)
        return any(target == entry or target in entry for entry in self._entries)


def _first_fresh(pool: Sequence[str], start: int, asked: _Asked) -> str | None:
    """Walk the pool from `start` (wrapping) and return the first question not asked yet."""
    if not pool:
        return None
    for offset in range(len(pool)):
        candidate = pool[(start + offset) % len(pool)]
        if candidate not in asked:
            return candidate
    return None


def _never_repeat(pools: Sequence[Sequence[str]], start: int, asked: _Asked) -> str:
    """Pick from the first pool with a fresh question; once all are exhausted, rephrase.

    The rephrasings keep the interview going after a long run on one bank, and the numbered
    last resort makes an exact repeat impossible however long the interview gets.
    """
    for pool in pools:
        fresh = _first_fresh(pool, start, asked)
        if fresh is not None:
            return fresh
    bases = [q for pool in pools for q in pool] or ["Could you tell me more about your experience?"]
    variants = load_question_bank().repeat_variants
    for template in variants:
        fresh = _first_fresh([_fill(template, question=q) for q in bases], start, asked)
        if fresh is not None:
            return fresh
    base = bases[start % len(bases)]
    k = 2
    while True:
        candidate = f"{_fill(variants[0], question=base)} (take {k})"
        if candidate not in asked:
            return candidate
        k += 1


# --------------------------------------------------------------------------------------------
# Reading the candidate's answer
# --------------------------------------------------------------------------------------------

_STOPWORDS = STOPWORDS
_TECH_TERMS = TECH_TERMS

_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#._/'-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
# Fragment boundaries: punctuation that ends a thought. A dot only counts when followed by
# space or end, so "node.js" and "3.11" stay whole.
_FRAGMENT_RE = re.compile(r"[,;:!?()\[\]{}\"“”\n]|\.(?=\s|$)|\s[-–—]\s")


def _token_score(token: str, first_in_fragment: bool) -> float:
    lower = token.lower()
    score = min(len(token), 14) / 4
    if lower in _TECH_TERMS or is_skill_name(lower):
        score += 3
    if re.search(r"[a-z][A-Z]", token) or (len(token) >= 2 and token.isupper()):
        score += 2  # camelCase identifiers and acronyms (SQL, CI) are usually the point
    if re.search(r"[A-Za-z][0-9+#._/]|[0-9][A-Za-z]", token):
        score += 1.5  # s3, node.js, c++, tcp/ip: names of things
    elif "-" in token.strip("-"):
        score += 1  # write-through, B-tree: compound terms of art
    if token[0].isupper() and not first_in_fragment:
        score += 1  # a proper noun mid-sentence is usually a product or a tool
    return score


def _is_stopword(word: str) -> bool:
    return (
        len(word) < 2
        or word.lower().strip("'") in _STOPWORDS
        or word.replace(".", "").isdigit()  # bare numbers say nothing quotable
    )


def _runs(fragment: str) -> Iterator[list[tuple[re.Match[str], float]]]:
    """Maximal runs of consecutive non-stopword tokens in `fragment`, each token scored."""
    run: list[tuple[re.Match[str], float]] = []
    for index, token in enumerate(_TOKEN_RE.finditer(fragment)):
        word = token.group(0)
        if _is_stopword(word):
            if run:
                yield run
            run = []
            continue
        run.append((token, _token_score(word, first_in_fragment=index == 0)))
    if run:
        yield run


def salient_phrases(text: str, limit: int = 3) -> list[str]:
    """The most quotable spans of `text`: 1-4 consecutive non-stopwords, technical ones first.

    Spans are cut from the original text, so the candidate sees their own words quoted back.
    """
    scored: list[tuple[float, int, str]] = []
    offset = 0
    for fragment in _FRAGMENT_RE.split(text.replace("’", "'")):
        for run in _runs(fragment):
            for size in range(1, 5):
                for i in range(len(run) - size + 1):
                    span = run[i : i + size]
                    start, end = span[0][0].start(), span[-1][0].end()
                    phrase = fragment[start:end].strip("'-/.")
                    if not phrase or len(phrase) > 40:
                        continue
                    # Dividing by size**0.35 lets a two-word term beat either word alone
                    # without letting four bland words beat one technical one.
                    score = sum(s for _, s in span) / size**0.35
                    # Earlier spans win ties, so the choice is stable and reads naturally.
                    scored.append((-score, offset + start, phrase))
        offset += len(fragment) + 1
    scored.sort()
    phrases: list[str] = []
    for _, _, phrase in scored:
        lowered = phrase.lower()
        if any(lowered in p.lower() or p.lower() in lowered for p in phrases):
            continue  # overlapping spans would quote the same words twice
        if has_marker(phrase):
            continue
        phrases.append(phrase)
        if len(phrases) == limit:
            break
    return phrases


_WEAK_ENDINGS = re.compile(r"(?:ed|ing|ly)$", re.IGNORECASE)


def quotable_phrases(text: str, limit: int = 3) -> list[str]:
    """Salient phrases worth quoting back: two to four words, not a dangling verb.

    A single word ('API', 'Happy') or a fragment that stops on a verb ('GraphQL POSTs bypass',
    'generator decorated') reads as a template that grabbed a random piece of the answer.
    """
    phrases: list[str] = []
    for phrase in salient_phrases(text, limit=limit * 4):
        words = phrase.split()
        if not 2 <= len(words) <= 4 or _cut_mid_phrase(phrase, text):
            continue
        before = re.search(r"([\w'-]+)\s+" + re.escape(phrase), text)
        if before and before.group(1).lower() in ("that", "which", "who", "to"):
            continue  # "a rule that flags ...": the phrase starts on a verb
        last = words[-1].lower()
        if last in _VERBISH or (_WEAK_ENDINGS.search(last) and last not in _TECH_TERMS):
            continue
        phrases.append(phrase)
        if len(phrases) == limit:
            break
    return phrases


def _cut_mid_phrase(phrase: str, text: str) -> bool:
    """Whether the words right after `phrase` continue it ("HTTP calls inside async" is cut
    off before "functions"): quoting a cut phrase reads like a template that grabbed words."""
    match = re.search(re.escape(phrase) + r"(\s+)([\w'-]+)(?:\s+([\w'-]+))?", text)
    if match is None:
        return False
    following = match.group(2).lower()
    after = (match.group(3) or "").lower()
    # Before "the", "every", "it" ... the phrase's last word is a verb with its object to come:
    # "DataLoader rejects every key", "GraphQL POSTs bypass the CDN".
    if following in _DETERMINERS:
        return True
    if _is_stopword(following) or following in _BOUNDARIES:
        return False
    # "event loop runs one ...": a verb (with its object to come) after the phrase ends it;
    # "async functions." is a noun that continues it.
    verb = following.endswith(("s", "ed")) and after in _DETERMINERS
    return not verb


_BOUNDARIES = frozenset(
    """
    behind above below under over across into onto per inside outside within without between
    through instead because since unless until while whereas
    """.split()  # noqa: SIM905
)


_DETERMINERS = frozenset(
    """
    the a an every each all some any it its them this that these those their our my your his her
    one two three what how where when why whether
    """.split()  # noqa: SIM905
)


_VERBISH = frozenset(
    """
    bypass bypasses is are was were be make made do does did get go add use run keep take call
    set put let behind
    above below under over across into onto per large small big new old first last each
    instead too also again well inside outside within without between through
    """.split()  # noqa: SIM905
)


def _has_term(phrase: str) -> bool:
    return any(w.lower() in _TECH_TERMS or is_skill_name(w) for w in phrase.split())


def _quoted(phrase: str) -> str:
    # Only an everyday word is lowered ("It depends" -> "it depends"); "Poetry" may be a name.
    first = phrase.split()[0] if phrase.split() else ""
    if first != "I" and first[1:].islower() and first.lower() in _STOPWORDS:
        return phrase[0].lower() + phrase[1:]
    return phrase


_is_non_answer = is_non_answer


def _looks_like_name_reply(answer: str, name: str) -> bool:
    if not name or not answer.strip():
        return False
    if name.lower() in answer.lower():
        return True
    return len(answer.split()) <= 5 and not answer.strip().endswith("?")


# --------------------------------------------------------------------------------------------
# Composing replies
# --------------------------------------------------------------------------------------------


def _skeleton(template: str) -> re.Pattern[str]:
    """What stays of a template once it is filled: its fixed words, as a pattern."""
    parts = re.split(r"\{\w+\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts), re.IGNORECASE | re.DOTALL)


def _fresh(templates: Sequence[str], rng: random.Random, used: Sequence[str]) -> list[str]:
    """The templates in a seeded order, those whose skeleton no earlier reply shows first.

    This is what keeps one interview from saying "You mentioned '...'" six times: a phrasing
    comes back only once every other one has been used.
    """
    order = _permuted(templates, rng)
    fresh = [t for t in order if not any(_skeleton(t).search(u) for u in used)]
    return fresh + [t for t in order if t not in fresh]


def _acknowledge(task: ReplyTask, rng: random.Random) -> str:
    """One short sentence that fits the last answer ('' when there is none).

    A gap is met with reassurance, a pass with "no problem", an off-topic answer with a plain
    move-on, a short answer with a short "okay"; only a real answer may be quoted back, and only
    a phrase of two words or more.
    """
    answer = task.last_answer.strip()
    if not answer:
        return ""
    bank = load_question_bank()
    kind = task.answer_kind
    if kind == "passed" or (kind == "none" and is_pass(answer)):
        pool = bank.pass_acks
    elif kind == "gap" or _is_non_answer(answer):
        pool = bank.no_answer_acks
    elif kind == "off_topic":
        pool = bank.move_on_acks
    elif kind == "short":
        pool = bank.short_acks
    else:
        # Only a technical phrase is worth quoting back in an acknowledgement: "small
        # reversible steps" reads as a template that grabbed words.
        phrases = [p for p in quotable_phrases(answer, limit=3) if _has_term(p)][:1]
        with_phrase = [a for a in bank.acknowledgements if "{phrase}" in a]
        plain = [a for a in bank.acknowledgements if "{phrase}" not in a]
        # Quoting back now and then shows the answer was heard; every time reads like a tic.
        if phrases and with_phrase and rng.random() < 0.4:
            return _fill(_fresh(with_phrase, rng, task.said)[0], phrase=phrases[0])
        pool = plain
    return _fresh(pool, rng, task.said)[0]


def _transition(task: ReplyTask, stage: str, rng: random.Random) -> str:
    if task.number != 1:
        return ""
    transitions = load_question_bank().transitions
    pool = (transitions.get(f"{stage}_one") if task.of == 1 else None) or transitions.get(stage)
    return _fresh(pool or [""], rng, task.said)[0]


def _compose(lead: Sequence[str], question: str) -> str:
    """Lead sentences as one paragraph, then the question alone as the last paragraph."""
    intro = " ".join(part.strip() for part in lead if part and part.strip())
    question = _single_paragraph(question)
    return f"{intro}\n\n{question}" if intro else question


def _start(task: ReplyTask) -> int:
    return max(task.number, 1) - 1


def _welcome(task: ReplyTask) -> str:
    bank = load_question_bank()
    rng = _rng(task)
    # The greeting uses the name as the hiring team wrote it; afterwards Mia uses the first name.
    name = _one_line(task.candidate_name)
    greeting = _fill(
        rng.choice(bank.greetings), name=name or "there", role=_role(task.job_position)
    )
    overview = _overview(task, rng)
    question = _personal_question(task, number=1) if name else rng.choice(bank.ask_name)
    return _compose([greeting, overview], question)


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _count(n: int, noun: str, plural: str | None = None) -> str:
    word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    return f"{word} {noun if n == 1 else plural or noun + 's'}"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _overview(task: ReplyTask, rng: random.Random) -> str:
    """How the interview will go, exactly as the settings hold it.

    A stage with no questions is not mentioned, one question is "one", the skills are named, and
    the hiring team's questions are announced as theirs.
    """
    bank = load_question_bank()
    plan = task.plan
    start = _fill(rng.choice(bank.overview_starts), role=_role(task.job_position))
    parts: list[str] = []
    for row in stages.main_stages():  # in the plan's order, each in its row's words
        count = plan.count(row.name)
        if not count:
            continue
        noun = row.noun
        if parts and noun.endswith(" question"):  # "two behavioral questions and one technical one"
            noun = noun.removesuffix("question") + "one"
        on = ""
        if row.topic == "skill" and plan.skills:
            on = f" ({_and([display_name(s, resolve_skill(s)) for s in plan.skills])})"
        plural = noun.replace("question", "questions", 1) if "question" in noun else None
        parts.append(_count(count, noun, plural) + on)
    if not parts:
        return _fill(rng.choice(bank.overviews_personal_only), start=start)
    return _fill(rng.choice(bank.overviews), start=start, plan=f"I'll ask {_and(parts)}")


def _personal_question(task: ReplyTask, number: int) -> str:
    bank = load_question_bank()
    role = _role(task.job_position)
    # The order depends on the seed alone (not the kind), so the welcome's question is personal
    # #1 and personal #1 and #2 of one session differ even when `asked` is not passed.
    order = _permuted(bank.personal, _seeded(task.seed, "personal-pool"))
    pool = [_fill(q, role=role) for q in order]
    return _never_repeat([pool], max(number, 1) - 1, _Asked(task.asked))


def _personal(task: ReplyTask) -> str:
    bank = load_question_bank()
    rng = _rng(task, task.number)
    name = _address(task)
    if task.number <= 1 and _looks_like_name_reply(task.last_answer, name):
        lead = _fill_name(rng.choice(bank.name_acks), name)
    else:
        lead = _acknowledge(task, rng)
    return _compose([lead], _personal_question(task, task.number))


def _behavioral(task: ReplyTask) -> str:
    bank = load_question_bank()
    rng = _rng(task, task.number)
    pool = _permuted(bank.behavioral, _rng(task, "pool"))
    question = _never_repeat([pool], _start(task), _Asked(task.asked))
    return _compose([_acknowledge(task, rng), _transition(task, task.kind, rng)], question)


def _target_skill(task: ReplyTask) -> str:
    """The skill to ask about: the task's, else one named in the interview settings or job ad."""
    if task.skill.strip():
        return task.skill.strip()
    # Rotate through the candidates by question number so successive questions cover them all.
    listed = [s for s in (_one_line(x) for x in task.skills) if s]
    if listed:
        return listed[_start(task) % len(listed)]
    inferred = skills_in_text(f"{task.job_position}\n{task.job_description}")
    if inferred:
        return inferred[_start(task) % len(inferred)]
    return ""


def _technical_question(task: ReplyTask, skill: str) -> str:
    bank = load_question_bank()
    resolved = resolve_skill(skill)
    display = display_name(skill, resolved)
    pool_rng = _rng(task, "pool", resolved or _norm(skill))
    generic = [_fill(t, skill=display) for t in _permuted(bank.generic_technical, pool_rng)]
    if resolved is not None:
        pools = [_permuted(load_skills().technical[resolved], pool_rng), generic]
    elif skill:
        pools = [generic]
    else:
        pools = [_permuted(bank.general, pool_rng)]
    return _never_repeat(pools, _start(task), _Asked(task.asked))


def _technical(task: ReplyTask) -> str:
    bank = load_question_bank()
    skill = _target_skill(task)
    rng = _rng(task, task.number, _norm(skill))
    question = _technical_question(task, skill)
    lead = [_acknowledge(task, rng), _transition(task, task.kind, rng)]
    display = display_name(skill, resolve_skill(skill))
    # Announce the skill when it changes (and the question may not name it), not every time.
    mentioned = display.lower() in question.lower()
    if skill and not mentioned and (task.number == 1 or rng.random() < 0.5):
        lead.append(_fill(_fresh(bank.skill_intros, rng, task.said)[0], skill=display))
    return _compose(lead, question)


def _follow_up(task: ReplyTask) -> str:
    bank = load_question_bank()
    kind: FollowUpKind = task.follow_up_kind or "deeper"
    rng = _rng(task, task.number, kind, _norm(task.skill))
    asked = _Asked(task.asked)
    answer = task.last_answer.strip()
    used = [*task.said, *task.asked]
    pools: list[list[str]] = []
    phrases = quotable_phrases(answer) if answer and not _is_non_answer(answer) else []
    if kind == "clarify" and answer and len(answer.split()) < 8 and not _is_non_answer(answer):
        # A short answer is quoted whole: "When you say 'cache it, invalidate on write', ..."
        phrases = [_quoted(answer.strip().rstrip(".!?").strip()[:60]), *phrases]
    elif not phrases and answer and not _is_non_answer(answer):
        # Nothing technical to quote: ask about the candidate's own words ("When you say 'it
        # depends on the context', ..."), which only a clarifying question can do naturally.
        clause = _key_clause(answer)
        if clause:
            phrases = [clause]
            kind = "clarify"
    if phrases:
        # Fresh skeletons first across every phrase, so a phrasing is reused only when all are.
        templates = _fresh(bank.follow_ups[kind], rng, used)
        fresh = [t for t in templates if not any(_skeleton(t).search(u) for u in used)]
        pools.append([_fill(t, phrase=p) for t in fresh for p in phrases])
    elif task.question.strip():
        # Nothing worth quoting from the answer: anchor the follow-up on the question's topic
        # instead, with templates that don't claim the candidate said it.
        topic = quotable_phrases(task.question, limit=2) or salient_phrases(task.question, 2)
        templates = _fresh(bank.follow_ups_topic[kind], rng, used)
        fresh = [t for t in templates if not any(_skeleton(t).search(u) for u in used)]
        pools.append([_fill(t, phrase=p) for t in fresh for p in topic])
    pools.append(_fresh(bank.follow_ups_no_phrase[kind], rng, used))
    if phrases:
        pools.append([_fill(t, phrase=phrases[0]) for t in _permuted(bank.follow_ups[kind], rng)])
    return _single_paragraph(_never_repeat(pools, 0, asked))


def _key_clause(answer: str) -> str:
    """The clause of an answer that says most, three to eight words, for quoting back."""
    clauses = [c.strip() for c in re.split(r"[.,;:!?()]|\s(?:and|but|so)\s", answer)]
    scored = [
        (len({w.lower() for w in c.split()} - _STOPWORDS), -len(c), c)
        for c in clauses
        if 3 <= len(c.split()) <= 8 and not has_marker(c)
    ]
    if not scored:
        return ""
    return _quoted(max(scored)[2])


def _redirect(task: ReplyTask) -> str:
    """Back to the question after an off-topic answer: no thanks for it, no quote of it."""
    bank = load_question_bank()
    rng = _rng(task, "redirect", task.number)
    question = _single_paragraph(task.question) or "Could you answer the question I asked?"
    lead = _fresh(bank.redirect_leads, rng, task.said)[0]
    frame = _fresh(bank.redirect_frames, rng, task.said)[0]
    question = question[0].lower() + question[1:] if question[1:2].islower() else question
    return _compose([lead], _fill(frame, question=question))


def _custom(task: ReplyTask) -> str:
    rng = _rng(task, task.number)
    # The hiring team's wording is kept verbatim; only blank lines are folded so the whole
    # question stays the last paragraph.
    question = _single_paragraph(task.question)
    if not question:
        question = _never_repeat(
            [_permuted(load_question_bank().general, _rng(task, "pool"))],
            _start(task),
            _Asked(task.asked),
        )
    return _compose([_acknowledge(task, rng), _transition(task, task.kind, rng)], question)


def _closing(task: ReplyTask) -> str:
    """Thanks, next steps, goodbye: three parts chosen per session, so closings vary."""
    bank = load_question_bank()
    rng = _rng(task)
    name = _address(task)
    thanks_pool = bank.closing_thanks_early if task.ended_early else bank.closing_thanks
    thanks = _fill_name(rng.choice(thanks_pool), name)
    steps = rng.choice(bank.closing_next_steps)
    bye = rng.choice(bank.closing_goodbyes)
    return f"{thanks}\n\n{steps} {bye}".strip()


_COMPOSERS = {
    "welcome": _welcome,
    "personal": _personal,
    "behavioral": _behavioral,
    "technical": _technical,
    "follow_up": _follow_up,
    "redirect": _redirect,
    "custom": _custom,
    "closing": _closing,
}


def _general(task: ReplyTask) -> str:
    """A question of the bank's general pool, for a stage the bank has no questions for."""
    rng = _rng(task, task.number)
    pool = _permuted(load_question_bank().general, _rng(task, "pool"))
    question = _never_repeat([pool], _start(task), _Asked(task.asked))
    return _compose([_acknowledge(task, rng), _transition(task, task.kind, rng)], question)


def _composer(kind: str) -> Callable[[ReplyTask], str]:
    """The kind's own composer, or for a stage added to the table (graph/stages.py) without one
    the composer its row calls for: the hiring team's question, a question on the skill, or a
    general question; its transition is the bank's for it, if any."""
    composer = _COMPOSERS.get(kind)
    if composer is not None:
        return composer
    row = stages.stage(kind)
    return _custom if row.given else _technical if row.topic == "skill" else _general


def render_reply(task: ReplyTask | Mapping[str, Any]) -> str:
    """The full reply the offline interviewer gives for `task` (pure and deterministic)."""
    if not isinstance(task, ReplyTask):
        task = ReplyTask.model_validate(task)
    return _scrub_marker(_composer(task.kind)(task))


# --------------------------------------------------------------------------------------------
# Playground mode (no task bound)
# --------------------------------------------------------------------------------------------


def playground_reply(messages: Sequence[BaseMessage]) -> str:
    """A sensible interviewer line when someone chats with the model directly, without a task.

    The conversation itself stands in for the task: the previous AI turns become `asked` so
    questions don't repeat, and the last human message is acknowledged.
    """
    humans = [m for m in messages if m.type == "human"]
    asked = [message_text(m) for m in messages if m.type == "ai"]
    last = message_text(humans[-1]).strip() if humans else ""
    if not last or not asked:
        # Opening a chat (even with "hi") starts the interview properly.
        return render_reply(ReplyTask(kind="welcome", asked=asked))
    task = ReplyTask(kind="technical", number=len(humans), last_answer=last, asked=asked)
    if last.endswith("?"):
        # The candidate asked something; an offline model cannot answer about the company,
        # so say so politely and keep the interview going.
        bank = load_question_bank()
        lead = _rng(task, "candidate-question").choice(bank.candidate_questions)
        return _scrub_marker(_compose([lead], _technical_question(task, "")))
    return render_reply(task)
