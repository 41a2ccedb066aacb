"""A question's rubric: what a good answer covers, what weak / adequate / strong answers look
like, and the neighbouring topics that are *not* an answer to it.

Every main question carries one. Bank questions ship theirs as data (`graph/rubrics.json`, keyed
by the question's text); a question written by an LLM or by the hiring team gets one when it is
asked (Groq: one structured-output call; offline: the question's own terms plus the skill's
concept list) and keeps it in the interview state. The follow-up policy reads relevance from
it, the offline interviewer aims its follow-ups at a concept the answer missed, the evaluator
scores against its anchors. How to write one: docs/RUBRICS.md.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph.language.match import find_term, mentions
from graph.language.words import TECH_TERMS, WORK_TERMS, is_stopword, stem, tokens

RUBRIC_FORMAT_VERSION = 1
"""The rubric format's version (bump it when a field's meaning changes)."""

RubricSource = Literal["bank", "llm", "derived"]
"""Where a rubric came from: shipped with a bank question (`bank`), written by the LLM when the
question was asked (`llm`), or made offline from the question's own terms and the skill's concepts
(`derived`)."""


class Concept(BaseModel):
    """One idea a good answer covers, with the words candidates use for it."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=80, description="The concept, as people say it.")
    aliases: tuple[str, ...] = Field(
        default=(),
        max_length=40,
        description=(
            "Other words for it, tools and identifiers included: profiling = py-spy, cProfile, "
            "flame graph, hot spot, profiler. Matched as whole words, plural or not, any case."
        ),
    )

    @field_validator("name", "aliases", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, str):
            return " ".join(value.split())
        if isinstance(value, list | tuple):
            return tuple(" ".join(str(v).split()) for v in value if str(v).strip())
        return value

    @property
    def terms(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)


class Anchors(BaseModel):
    """What a weak (1-2), an adequate (3) and a strong (4-5) answer to the question look like."""

    model_config = ConfigDict(frozen=True)

    weak: str = Field(min_length=1, max_length=400, description="A weak answer (scores 1-2).")
    adequate: str = Field(min_length=1, max_length=400, description="An adequate answer (3).")
    strong: str = Field(min_length=1, max_length=400, description="A strong answer (4-5).")


class Rubric(BaseModel):
    """The rubric of one question (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    question: str = Field(default="", max_length=2000, description="The question it is for.")
    skill: str = Field(default="", max_length=100, description="The skill asked about, if any.")
    concepts: tuple[Concept, ...] = Field(
        min_length=1,
        max_length=12,
        description="What a good answer covers; touching any one of them makes it on topic.",
    )
    anchors: Anchors
    neighbours: tuple[Concept, ...] = Field(
        default=(),
        max_length=12,
        description=(
            "Neighbouring topics of the same skill that are not an answer to this question: an "
            "answer about them is followed up towards the question asked, never probed as if "
            "it fitted (indexes and EXPLAIN ANALYZE are not an answer about isolation levels)."
        ),
    )
    source: RubricSource = Field(default="bank", description="Where the rubric came from.")
    version: int = Field(
        default=RUBRIC_FORMAT_VERSION, ge=1, description="The rubric format's version."
    )


class RubricBank(BaseModel):
    """The shipped rubrics (`graph/rubrics.json`), validated once at load."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    skills: dict[str, tuple[Concept, ...]]
    """Skill key (graph/skills.json) -> the skill's concept list: every question on the skill
    draws its concepts and neighbouring topics from it."""
    work: tuple[Concept, ...]
    """What answers about work cover (behavioral and personal questions)."""
    questions: dict[str, Rubric]
    """A bank question's text -> its rubric. In the file a concept may be just the name of one
    of its skill's concepts (or of `work`'s), and `neighbours` may be left out: they are then the
    skill's concepts the rubric does not list."""

    @model_validator(mode="before")
    @classmethod
    def _resolve_names(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        skills = {
            key: {c["name"] if isinstance(c, dict) else c.name: c for c in concepts}
            for key, concepts in (data.get("skills") or {}).items()
        }
        work = {c["name"] if isinstance(c, dict) else c.name: c for c in data.get("work") or ()}
        questions: dict[str, Any] = {}
        for text, entry in (data.get("questions") or {}).items():
            if not isinstance(entry, dict):
                questions[text] = entry
                continue
            pool = skills.get(entry.get("skill", ""), work)

            def resolve(item: Any, pool: dict[str, Any] = pool, text: str = text) -> Any:
                if isinstance(item, str):
                    if item not in pool:
                        raise ValueError(f"rubric of {text!r}: no concept named {item!r}")
                    return pool[item]
                return item

            concepts = [resolve(c) for c in entry.get("concepts", ())]
            named = {c["name"] if isinstance(c, dict) else c.name for c in concepts}
            if "neighbours" in entry:
                neighbours = [resolve(c) for c in entry["neighbours"]]
            elif entry.get("skill") in skills:
                neighbours = [c for name, c in pool.items() if name not in named][:12]
            else:
                neighbours = []
            questions[text] = {
                **entry,
                "question": text,
                "concepts": concepts,
                "neighbours": neighbours,
            }
        return {**data, "questions": questions}


BANK_PATH = Path(__file__).resolve().parent.parent / "rubrics.json"


@cache
def load_rubric_bank() -> RubricBank:
    """Load and validate the shipped rubrics (read from disk once per process)."""
    with BANK_PATH.open(encoding="utf-8") as fh:
        return RubricBank.model_validate(json.load(fh))


def _key(question: str) -> str:
    return " ".join(question.lower().split()).strip(" ?.!")


@cache
def _bank_index() -> dict[str, Rubric]:
    return {_key(q): r for q, r in load_rubric_bank().questions.items()}


def bank_rubric(question: str) -> Rubric | None:
    """The shipped rubric of a bank question, matched on its text (case and spacing aside); a
    reply that wraps the question in a lead-in still finds it."""
    key = _key(question)
    if not key:
        return None
    found = _bank_index().get(key)
    if found is not None:
        return found
    for known, rubric in _bank_index().items():
        if len(known) > 30 and known in key:
            return rubric
    return None


def skill_concepts(skill: str) -> tuple[Concept, ...]:
    """The concept list of `skill` (a name or alias; empty for a skill the catalogue lacks)."""
    from graph.skills import resolve_skill

    resolved = resolve_skill(skill)
    if resolved is None:
        return ()
    return load_rubric_bank().skills.get(resolved, ())


# Words of a question that say how to answer, not what about: never a concept of their own.
_QUESTION_FILLER = frozenset(
    """
    difference differences compare comparison explain describe happens happen work works
    approach handle handled choose choice prefer decide matter matters important situation
    time example examples common commonly typical practice practical real step order things
    tools tool problems problem help helps useful good bad best right wrong change changes
    changed keep avoid deal affect affects relate relates mean means kind kinds type different
    each would could should apply project code system systems service services people team
    someone something while without whether across several many large small new old long
    one two three first second last run running runs write writing written build building
    built use used using instead rather between within production reason reasons terms
    trade trades pick picks property properties expensive surprising surprise result results
    cost costs benefit benefits pitfall pitfalls goes wrong
    """.split()  # noqa: SIM905
)


def _is_term(word: str, written: str) -> bool:
    """A word worth being a concept: a technical or work word, or one written as a name
    ("Dropbox", "ReturnType", "__hash__", "for_each", "HTTP/2")."""
    return (
        word in TECH_TERMS
        or word in WORK_TERMS
        or bool(re.search(r"[A-Z]", written[1:]) or re.search(r"[0-9_./+#]", written))
        or (written[:1].isupper() and written.lower() != written)
    )


def question_terms(question: str, skill: str = "", strict: bool = True) -> list[str]:
    """The question's own terms, in order, without the skill's name and words that only say
    how to answer ("explain", "difference", "example"). `strict` keeps only technical or work
    words and names; a question with no vocabulary of its own (the hiring team's) keeps all."""
    from graph.skills import skill_key

    skill_words = {skill_key(w) for w in skill.split()} | {skill_key(skill)}
    seen: list[str] = []
    sentence_start = True
    for written in tokens(question):
        word = written.lower().strip("'`")
        first, sentence_start = sentence_start, False
        if is_stopword(word):
            continue
        if (
            len(word) < 3
            or word in _QUESTION_FILLER
            or skill_key(word) in skill_words
            or any(stem(word) == stem(s) for s in seen)
            or (strict and not _is_term(word, "" if first else written))
        ):
            continue
        seen.append(word)
    return seen


def _anchors(names: list[str], neighbours: list[str], topic: str | None) -> Anchors:
    first = names[0]
    if topic != "skill":
        return Anchors(
            weak="Speaks in generalities with no situation of their own, or about something else.",
            adequate=f"Describes one real situation ({first}) and what they did in it.",
            strong=(
                f"A specific situation ({first}): what they did and why, the outcome, and what "
                "they learned or would do differently."
            ),
        )
    pair = " and ".join(names[:2])
    beside = f", or talks about {neighbours[0]} instead" if neighbours else ""
    return Anchors(
        weak=f"Names {first} or a related term without explaining it{beside}.",
        adequate=f"Explains {first} correctly in their own words, with one concrete use.",
        strong=(
            f"Explains {pair} precisely, with a concrete example from their own work and a "
            "trade-off or failure mode."
        ),
    )


def derive_rubric(
    question: str, skill: str = "", topic: str | None = "skill", strict: bool = False
) -> Rubric:
    """A rubric made from the question's own terms and the skill's concept list (offline, and
    the fallback when the LLM's rubric call fails).

    The skill's concepts the question names become its concepts (with their aliases); its own
    remaining terms become concepts too (`strict`: only technical or work words and names, as
    the shipped rubrics were bootstrapped); the skill's other concepts are its neighbours.
    """
    pool = skill_concepts(skill) if topic == "skill" else load_rubric_bank().work
    if topic is None:
        pool = ()
    named = sorted(
        (c for c in pool if any(mentions(question, term) for term in c.terms)),
        key=lambda c: min(span[0] for t in c.terms if (span := find_term(question, t)) is not None),
    )
    concepts: list[Concept] = list(named)
    covered = [t for c in named for t in c.terms]
    for term in question_terms(question, skill, strict=strict and topic is not None):
        if not any(mentions(t, term) or mentions(term, t) for t in covered):
            concepts.append(Concept(name=term))
            covered.append(term)
    if topic == "work":
        concepts += [c for c in pool if c not in concepts]
    if not concepts:
        concepts = [Concept(name=skill or "the question")]
    concepts = concepts[:12]
    neighbours = [c for c in pool if c not in concepts][:12] if topic == "skill" else []
    return Rubric(
        question=question,
        skill=skill,
        concepts=tuple(concepts),
        anchors=_anchors([c.name for c in concepts], [c.name for c in neighbours], topic),
        neighbours=tuple(neighbours),
        source="derived",
    )


def rubric_for(question: str, skill: str = "", topic: str | None = "skill") -> Rubric:
    """The rubric of a question: the bank's when it ships one, else derived (see above)."""
    return bank_rubric(question) or derive_rubric(question, skill, topic)


def main(argv: list[str] | None = None) -> int:
    """`python -m graph.language.rubrics derive QUESTION [--skill SKILL] [--topic skill|work|none]`:
    print the rubric the interview would use for a question (the bank's, else derived), as the
    JSON entry `graph/rubrics.json` takes, to edit and paste in."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m graph.language.rubrics")
    commands = parser.add_subparsers(dest="command", required=True)
    derive = commands.add_parser("derive", help="print a question's rubric as a bank entry")
    derive.add_argument("question")
    derive.add_argument("--skill", default="")
    derive.add_argument("--topic", choices=("skill", "work", "none"), default=None)
    args = parser.parse_args(argv)
    topic = args.topic or ("skill" if args.skill else "work")
    rubric = rubric_for(args.question, args.skill, None if topic == "none" else topic)
    entry = rubric.model_dump(mode="json", exclude={"question", "version"})
    print(json.dumps({args.question: entry | {"source": "bank"}}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
