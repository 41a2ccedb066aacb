"""The built-in offline interviewer: a real LangChain chat model that needs no API key.

When no Groq key is configured the graph still runs interviews: it binds the structured
`ReplyTask` to this model (``model.bind(task=task.model_dump())``) and streams the reply exactly
as it would stream a hosted LLM. The model plays "Mia" from the shipped question bank
(`question_bank.json`): it reads facts from the task rather than prose from a prompt, so nothing
here parses the rendered prompt.

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

import asyncio
import json
import random
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph.tasks import FollowUpKind, ReplyTask
from graph.text import first_name

__all__ = [
    "OfflineInterviewerModel",
    "QuestionBank",
    "load_question_bank",
    "quotable_phrases",
    "render_reply",
    "resolve_skill",
    "salient_phrases",
]

MODEL_NAME = "offline-interviewer"
BANK_PATH = Path(__file__).with_name("question_bank.json")
FOLLOW_UP_KINDS: tuple[FollowUpKind, ...] = (
    "deeper",
    "edge_case",
    "trade_off",
    "explain",
    "clarify",
)

# The graph appends this marker to the closing; the model must never produce it (any case or
# spacing), or a quoted candidate answer could end the interview.
_MARKER_RE = re.compile(r"end\s+of\s+interview", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Question bank
# --------------------------------------------------------------------------------------------


class QuestionBank(BaseModel):
    """The shipped question bank, validated once at load so a bad edit fails loudly and early."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    greetings: list[str] = Field(min_length=1)
    overviews: list[str] = Field(min_length=1)
    overviews_personal_only: list[str] = Field(min_length=1)
    overview_starts: list[str] = Field(min_length=1)
    ask_name: list[str] = Field(min_length=1)
    name_acks: list[str] = Field(min_length=1)
    personal: list[str] = Field(min_length=1)
    behavioral: list[str] = Field(min_length=1)
    skill_names: dict[str, str]
    proper_names: dict[str, str] = Field(default_factory=dict)
    """How skills outside the bank are spelled ("terraform" -> "Terraform"), keyed lowercase."""
    technical: dict[str, list[str]]
    aliases: dict[str, str]
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
        # Aliases and display names must point at real banks, and every follow-up kind needs
        # templates: a gap would otherwise surface mid-interview as a KeyError.
        unknown = {v for v in self.aliases.values() if v not in self.technical}
        unknown |= {k for k in self.skill_names if k not in self.technical}
        if unknown:
            raise ValueError(f"aliases/skill_names refer to unknown skills: {sorted(unknown)}")
        for table in (self.follow_ups, self.follow_ups_topic, self.follow_ups_no_phrase):
            missing = [k for k in FOLLOW_UP_KINDS if not table.get(k)]
            if missing:
                raise ValueError(f"follow-up templates missing for kinds: {missing}")
        for stage in ("behavioral", "technical", "custom"):
            if not self.transitions.get(stage):
                raise ValueError(f"no transition for stage {stage!r}")
        return self


@cache
def load_question_bank() -> QuestionBank:
    """Load and validate the shipped question bank (read from disk once per process)."""
    with BANK_PATH.open(encoding="utf-8") as fh:
        return QuestionBank.model_validate(json.load(fh))


def _skill_key(text: str) -> str:
    # "React.js", "react js" and "reactjs" must meet in one key; "+", "#" and "/" stay because
    # they carry meaning ("c++", "c#", "tcp/ip").
    return re.sub(r"[\s._-]+", "", text.strip().lower())


@cache
def _skill_lookup() -> dict[str, str]:
    bank = load_question_bank()
    lookup = {_skill_key(skill): skill for skill in bank.technical}
    for alias, skill in bank.aliases.items():
        lookup.setdefault(_skill_key(alias), skill)
    return lookup


def resolve_skill(skill: str) -> str | None:
    """Map a skill name or alias ("k8s", "Postgres", "React.js") to its bank key, if banked."""
    if not skill or not skill.strip():
        return None
    return _skill_lookup().get(_skill_key(skill))


def _skill_display(skill: str, resolved: str | None) -> str:
    """A skill as people write it: "terraform" -> "Terraform", "postgresql" -> "PostgreSQL".

    The name the hiring team gave wins over the bank it resolves to, so "PostgreSQL" is not
    announced as "SQL"; a name nobody spelled for us is kept as written.
    """
    bank = load_question_bank()
    given = _one_line(skill)
    proper = bank.proper_names.get(given.lower())
    if proper is not None:
        return proper
    if resolved is not None and _skill_key(given) == _skill_key(resolved):
        return bank.skill_names.get(resolved, given)
    return given


# Names that are also ordinary words: inferring a skill from prose only trusts their brand
# spelling ("Go", "React", "REST"), not "go live" or "react to incidents".
_BRAND_SPELLING = {
    "go": "Go",
    "react": "React",
    "rust": "Rust",
    "node": "Node",
    "spring": "Spring",
    "express": "Express",
    "rest": "REST",
    "api": "API",
    "apis": "APIs",
    "http": "HTTP",
    "bash": "Bash",
    "ml": "ML",
    "qa": "QA",
    "ts": "TS",
    "ds": "DS",
    "kube": "Kube",
}


@cache
def _prose_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    bank = load_question_bank()
    names: dict[str, str] = {skill: skill for skill in bank.technical}
    names.update(bank.aliases)
    patterns: list[tuple[re.Pattern[str], str]] = []
    # Longest names first so "react native" wins over "react" and "spring boot" over "spring".
    for name in sorted(names, key=len, reverse=True):
        if name in _BRAND_SPELLING:
            body, flags = re.escape(_BRAND_SPELLING[name]), 0
        else:
            body, flags = re.escape(name).replace(r"\ ", r"[\s-]+"), re.IGNORECASE
        # Word-ish boundaries that also respect "+", "#" and dotted names: "java" must not
        # match inside "javascript", nor "node" inside "node.js".
        pattern = re.compile(rf"(?<![\w.+#]){body}(?![\w+#]|\.\w)", flags)
        patterns.append((pattern, names[name]))
    return tuple(patterns)


def _skills_in_text(text: str) -> list[str]:
    """Banked skills named in free text, in order of first mention, without duplicates."""
    hits: list[tuple[int, str]] = []
    for pattern, skill in _prose_patterns():
        match = pattern.search(text)
        if match:
            hits.append((match.start(), skill))
    seen: list[str] = []
    for _, skill in sorted(hits):
        if skill not in seen:
            seen.append(skill)
    return seen


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
    return _MARKER_RE.sub("end of the interview", text)


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

# Written as prose-like blocks because a one-word-per-line literal would be 300 lines long.
_STOPWORDS = frozenset(
    """
    a about above after again against all almost also although always am an and any anyway
    are aren't around as at back be because been before being below between both but by can
    can't cannot could couldn't did didn't do does doesn't doing don't done down during each
    either else enough etc even ever every few first for from further get gets getting give go
    goes going got gotten had hadn't has hasn't have haven't having he he'd he's her here hers
    herself him himself his how however i i'd i'll i'm i've if in into is isn't it it's its
    itself just kind know known last later least less let let's like likely lot lots made
    make makes making many may maybe me mean means might mine more most much must my myself
    need needed needs never new next no nor not nothing now of off often ok okay on once one
    ones only or other others otherwise our ours ourselves out over own part per perhaps
    pretty probably put quite rather really right said same say says see seem seems several
    she she'd she's should shouldn't since so some something sometimes somewhat still such
    sure take taken tell than thank thanks that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've thing things think this those
    though through thus time times to too took try trying two under until up upon us use
    used uses using usually very via want wanted was wasn't way ways we we'd we'll we're
    we've well went were weren't what what's whatever when where whether which while who
    whom whose why will with within without won't work worked working would wouldn't yeah yes
    yet you you'd you'll you're you've your yours yourself yourselves basically actually
    literally stuff able good great bit sort usually certainly definitely example instance
    question answer interview role job company team years year day days today honestly
    """.split()  # noqa: SIM905
)
STOPWORDS = _STOPWORDS
"""Everyday English words: never quoted, never taken as a topic."""

_TECH_TERMS = frozenset(
    """
    api cache caching index indexes indices thread threads threading lock locks mutex queue
    queues latency throughput database databases schema query queries transaction
    transactions async await asynchronous concurrency concurrent parallelism memory pointer
    pointers heap stack hash hashing tree trees graph graphs recursion recursive algorithm
    complexity deployment deploy pipeline pipelines container containers cluster clusters
    microservice microservices service services endpoint endpoints balancer replication
    replica replicas sharding shard partition partitions partitioning consistency
    idempotent idempotency retry retries timeout timeouts backoff kafka redis rabbitmq
    postgres mongodb elasticsearch nginx terraform ansible jenkins grpc protobuf websocket
    websockets oauth jwt token tokens encryption tls ssl dns tcp udp http https cdn load
    scaling scalability autoscaling availability failover monitoring logging metrics tracing
    observability profiling profiler benchmark garbage collector gc closure closures
    generator generators decorator decorators iterator coroutine coroutines event loop
    callback callbacks promise promises hooks state props component components render
    rendering immutable immutability serialization deserialization binary linked list array
    arrays vector matrix dictionary map set sorting sort search bfs dfs dynamic programming
    memoization regression classifier model models training inference gradient overfitting
    regularization embedding embeddings feature features dataset datasets vectorization
    migration migrations orm rest graphql webhook webhooks middleware framework compiler
    runtime interpreter bytecode jvm goroutine goroutines channel channels unittest mock
    mocks fixture fixtures coverage ci cd rollback canary rollout kubernetes docker pod pods
    helm lambda s3 ec2 iam vpc sqs sns dynamodb normalization denormalization join joins
    table tables scan row rows column columns key keys latency cpu gpu disk network
    """.split()  # noqa: SIM905
)

_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#._/'-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
# Fragment boundaries: punctuation that ends a thought. A dot only counts when followed by
# space or end, so "node.js" and "3.11" stay whole.
_FRAGMENT_RE = re.compile(r"[,;:!?()\[\]{}\"“”\n]|\.(?=\s|$)|\s[-–—]\s")
_DONT_KNOW_RE = re.compile(
    r"\b(i\s+(do\s*n[o']?t|dont)\s+know|not\s+sure|no\s+idea|no\s+clue|"
    r"(can'?t|don'?t|do\s+not)\s+remember|never\s+(used|heard\s+of)\s+it)\b",
    re.IGNORECASE,
)
_SKIP_RE = re.compile(r"^\W*(pass|skip|next|idk|no|nope|n/?a|-+)\W*$", re.IGNORECASE)


def _token_score(token: str, first_in_fragment: bool) -> float:
    lower = token.lower()
    score = min(len(token), 14) / 4
    if lower in _TECH_TERMS or _skill_key(lower) in _skill_lookup():
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
        if _MARKER_RE.search(phrase):
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
    return any(w.lower() in _TECH_TERMS or _skill_key(w) in _skill_lookup() for w in phrase.split())


def _quoted(phrase: str) -> str:
    # Only an everyday word is lowered ("It depends" -> "it depends"); "Poetry" may be a name.
    first = phrase.split()[0] if phrase.split() else ""
    if first != "I" and first[1:].islower() and first.lower() in _STOPWORDS:
        return phrase[0].lower() + phrase[1:]
    return phrase


def _is_non_answer(answer: str) -> bool:
    """True for an empty, skipped or "I don't know" answer: nothing there to quote or probe."""
    words = answer.split()
    if not words or _SKIP_RE.match(answer):
        return True
    return len(words) <= 12 and bool(_DONT_KNOW_RE.search(answer))


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
    if kind == "passed" or (kind == "none" and _SKIP_RE.match(answer)):
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
    if plan.behavioral:
        parts.append(_count(plan.behavioral, "behavioral question"))
    if plan.technical:
        skills = [_skill_display(s, resolve_skill(s)) for s in plan.skills]
        on = f" ({_and(skills)})" if skills else ""
        noun = "technical question" if not parts else "technical one"
        parts.append(_count(plan.technical, noun) + on)
    if plan.custom:
        noun = "question from the hiring team"
        parts.append(_count(plan.custom, noun, "questions from the hiring team"))
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
    return _compose([_acknowledge(task, rng), _transition(task, "behavioral", rng)], question)


def _target_skill(task: ReplyTask) -> str:
    """The skill to ask about: the task's, else one named in the interview settings or job ad."""
    if task.skill.strip():
        return task.skill.strip()
    # Rotate through the candidates by question number so successive questions cover them all.
    listed = [s for s in (_one_line(x) for x in task.skills) if s]
    if listed:
        return listed[_start(task) % len(listed)]
    inferred = _skills_in_text(f"{task.job_position}\n{task.job_description}")
    if inferred:
        return inferred[_start(task) % len(inferred)]
    return ""


def _technical_question(task: ReplyTask, skill: str) -> str:
    bank = load_question_bank()
    resolved = resolve_skill(skill)
    display = _skill_display(skill, resolved)
    pool_rng = _rng(task, "pool", resolved or _norm(skill))
    generic = [_fill(t, skill=display) for t in _permuted(bank.generic_technical, pool_rng)]
    if resolved is not None:
        pools = [_permuted(bank.technical[resolved], pool_rng), generic]
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
    lead = [_acknowledge(task, rng), _transition(task, "technical", rng)]
    display = _skill_display(skill, resolve_skill(skill))
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
        if 3 <= len(c.split()) <= 8 and not _MARKER_RE.search(c)
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
    return _compose([_acknowledge(task, rng), _transition(task, "custom", rng)], question)


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


def render_reply(task: ReplyTask | Mapping[str, Any]) -> str:
    """The full reply the offline interviewer gives for `task` (pure and deterministic)."""
    if not isinstance(task, ReplyTask):
        task = ReplyTask.model_validate(task)
    return _scrub_marker(_COMPOSERS[task.kind](task))


# --------------------------------------------------------------------------------------------
# Playground mode (no task bound)
# --------------------------------------------------------------------------------------------


def _message_text(message: BaseMessage) -> str:
    try:
        return message.text
    except Exception:  # exotic content blocks must not crash a playground chat
        return str(message.content)


def _playground_reply(messages: Sequence[BaseMessage]) -> str:
    """A sensible interviewer line when someone chats with the model directly, without a task.

    The conversation itself stands in for the task: the previous AI turns become `asked` so
    questions don't repeat, and the last human message is acknowledged.
    """
    humans = [m for m in messages if m.type == "human"]
    asked = [_message_text(m) for m in messages if m.type == "ai"]
    last = _message_text(humans[-1]).strip() if humans else ""
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


# --------------------------------------------------------------------------------------------
# The chat model
# --------------------------------------------------------------------------------------------

# A word with the whitespace after it: joining the pieces gives back the reply exactly.
_PIECE_RE = re.compile(r"\S+\s*|\s+")


def _pieces(text: str) -> list[str]:
    return _PIECE_RE.findall(text) or [""]


def _apply_stop(text: str, stop: list[str] | None) -> str:
    if not stop:
        return text
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=len(text))
    return text[:cut]


class OfflineInterviewerModel(BaseChatModel):
    """Mia, the offline interviewer: plays a structured interview from the shipped bank.

    Pass the reply task as the ``task`` keyword (a `ReplyTask` or its ``model_dump()``), usually
    via ``model.bind(task=task.model_dump())``; ``invoke``, ``ainvoke``, ``stream`` and
    ``astream`` all honour it, and streaming yields one chunk per word. Without a task the model
    improvises a short interviewer line from the conversation. Other keyword arguments (say,
    ``temperature`` bound for a hosted model) are accepted and ignored.

    Token callbacks are not fired here: in langchain-core 1.x the base class reports every
    chunk `_stream`/`_astream` yields, so firing them here too would duplicate tokens.
    """

    token_delay: float = Field(default=0.0, ge=0.0)
    """Seconds to pause between streamed words, to pace the stream like a hosted model."""

    @property
    def _llm_type(self) -> str:
        return MODEL_NAME

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": MODEL_NAME, "token_delay": self.token_delay}

    def _reply(self, messages: Sequence[BaseMessage], stop: list[str] | None, **kwargs: Any) -> str:
        task = kwargs.get("task")
        if task is None:
            text = _playground_reply(messages)
        elif isinstance(task, ReplyTask | Mapping):
            text = render_reply(task)
        elif isinstance(task, str):
            text = render_reply(ReplyTask.model_validate_json(task))
        else:
            # A wrong type is a bug in the caller; failing loudly beats a silent wrong reply.
            raise TypeError(f"task must be a ReplyTask, a mapping or JSON, not {type(task)!r}")
        return _apply_stop(text, stop)

    @staticmethod
    def _chunk(piece: str, last: bool) -> ChatGenerationChunk:
        info = {"finish_reason": "stop", "model_name": MODEL_NAME} if last else None
        return ChatGenerationChunk(message=AIMessageChunk(content=piece), generation_info=info)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._reply(messages, stop, **kwargs)
        generation = ChatGeneration(
            message=AIMessage(content=text),
            generation_info={"finish_reason": "stop", "model_name": MODEL_NAME},
        )
        return ChatResult(generations=[generation])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Rendering is pure CPU work measured in microseconds: no need for the base class's
        # thread-pool hop.
        return self._generate(messages, stop, None, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        pieces = _pieces(self._reply(messages, stop, **kwargs))
        for index, piece in enumerate(pieces):
            if index and self.token_delay:
                time.sleep(self.token_delay)
            yield self._chunk(piece, last=index == len(pieces) - 1)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        pieces = _pieces(self._reply(messages, stop, **kwargs))
        for index, piece in enumerate(pieces):
            if index and self.token_delay:
                await asyncio.sleep(self.token_delay)
            yield self._chunk(piece, last=index == len(pieces) - 1)
