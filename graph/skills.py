"""The skill catalogue: the skills the interviewer knows, how each is spelled, its aliases, and
the technical questions banked for it (`skills.json`).

Domain data every LLM provider shares: the follow-up rules read a skill's questions as its
vocabulary, to tell an on-topic answer from an off-topic one (graph.follow_up), and the offline
interviewer asks those questions (graph.llm.offline). Whichever provider speaks, the interview
judges answers the same way.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from graph.language import content_words

SKILLS_PATH = Path(__file__).with_name("skills.json")


class SkillCatalogue(BaseModel):
    """The shipped catalogue, validated once at load so a bad edit fails loudly and early."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    technical: dict[str, list[str]]
    """Skill key -> the technical questions banked for it."""
    aliases: dict[str, str]
    """Another name ("k8s", "postgres") -> skill key."""
    skill_names: dict[str, str]
    """Skill key -> how it is written ("sql" -> "SQL")."""
    proper_names: dict[str, str] = {}
    """How skills outside the catalogue are spelled ("terraform" -> "Terraform"), keyed
    lowercase."""

    @model_validator(mode="after")
    def _check_references(self) -> SkillCatalogue:
        # Aliases and display names must point at real skills: a gap would otherwise surface
        # mid-interview as a KeyError.
        unknown = {v for v in self.aliases.values() if v not in self.technical}
        unknown |= {k for k in self.skill_names if k not in self.technical}
        if unknown:
            raise ValueError(f"aliases/skill_names refer to unknown skills: {sorted(unknown)}")
        return self


@cache
def load_skills() -> SkillCatalogue:
    """Load and validate the shipped catalogue (read from disk once per process)."""
    with SKILLS_PATH.open(encoding="utf-8") as fh:
        return SkillCatalogue.model_validate(json.load(fh))


def skill_key(text: str) -> str:
    """The form two spellings of one skill share."""
    # "React.js", "react js" and "reactjs" must meet in one key; "+", "#" and "/" stay because
    # they carry meaning ("c++", "c#", "tcp/ip").
    return re.sub(r"[\s._-]+", "", text.strip().lower())


@cache
def _skill_lookup() -> dict[str, str]:
    catalogue = load_skills()
    lookup = {skill_key(skill): skill for skill in catalogue.technical}
    for alias, skill in catalogue.aliases.items():
        lookup.setdefault(skill_key(alias), skill)
    return lookup


def resolve_skill(skill: str) -> str | None:
    """Map a skill name or alias ("k8s", "Postgres", "React.js") to its catalogue key, if
    the catalogue has it."""
    if not skill or not skill.strip():
        return None
    return _skill_lookup().get(skill_key(skill))


def display_name(skill: str, resolved: str | None) -> str:
    """A skill as people write it: "terraform" -> "Terraform", "postgresql" -> "PostgreSQL".

    The name the hiring team gave wins over the skill it resolves to, so "PostgreSQL" is not
    announced as "SQL"; a name nobody spelled for us is kept as written.
    """
    catalogue = load_skills()
    given = " ".join(skill.split())
    proper = catalogue.proper_names.get(given.lower())
    if proper is not None:
        return proper
    if resolved is not None and skill_key(given) == skill_key(resolved):
        return catalogue.skill_names.get(resolved, given)
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
    catalogue = load_skills()
    names: dict[str, str] = {skill: skill for skill in catalogue.technical}
    names.update(catalogue.aliases)
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


def skills_in_text(text: str) -> list[str]:
    """Catalogued skills named in free text, in order of first mention, without duplicates."""
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


def is_skill_name(word: str) -> bool:
    """Whether `word` names a catalogued skill or one of its aliases."""
    return skill_key(word) in _skill_lookup()


@cache
def skill_vocabulary(skill: str) -> frozenset[str]:
    """Every content stem of the catalogue's questions on `skill` (empty for an unknown skill):
    "index" is on topic for SQL even when the question asked about joins."""
    resolved = resolve_skill(skill)
    if resolved is None:
        return frozenset()
    words: set[str] = set()
    for question in load_skills().technical[resolved]:
        words |= content_words(question)
    return frozenset(words)
