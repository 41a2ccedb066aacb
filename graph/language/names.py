"""The candidate's name: learnt from their reply to "what is your name?", and how to address
them."""

from __future__ import annotations

import re

# What people put before their name: "my name is", "I'm", "call me", "it's", "name:" ...
_NAME_INTRO = re.compile(
    r"(?:^|\b)(?:my (?:full )?name is|my name's|name's|name is|name\s*:|i am|i'm|i’m|im|call me"
    r"|you can call me|please call me|people call me|everyone calls me|this is|it's|it’s|it is"
    r"|here is|here's)\s+",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’\-]*\.?")
_TITLES = {
    "dr": "Dr.",
    "doctor": "Dr.",
    "prof": "Prof.",
    "professor": "Prof.",
    "mr": "Mr.",
    "mrs": "Mrs.",
    "ms": "Ms.",
    "mx": "Mx.",
    "miss": "Miss",
    "sir": "Sir",
    "dame": "Dame",
    "rev": "Rev.",
    "eng": "Eng.",
}
# Lowercase particles of compound surnames: "van der Berg", "de la Cruz", "bin Laden".
_PARTICLES = frozenset(
    """
    van von der den de del della dei di da das dos du la le lo bin binti ibn al el ter ten y e
    zu af av
    """.split()  # noqa: SIM905
)
_NOT_NAMES = frozenset(
    """
    a an the not here ready fine good great happy excited very so really just looking
    interested glad well ok okay sure yes no yeah yep nope thanks thank hi hello hey hiya
    pleased delighted nervous sorry also currently working a developer engineer going doing
    pass skip next please morning afternoon evening me
    """.split()  # noqa: SIM905
)
_NAME_ENDERS = frozenset(
    """
    and but i im i'm from here with who currently working so it to for at in by nice thanks
    thank pleased glad happy how what is am was the or
    """.split()  # noqa: SIM905
)
_MAX_NAME_CHARS = 60
_MAX_NAME_WORDS = 6


def _name_from(words: list[str]) -> str:
    """The name at the start of `words` (title, given names, particles, surnames), or ""."""
    kept: list[str] = []
    for index, raw in enumerate(words):
        word = raw.strip(',;:!?"()')
        bare = word.rstrip(".").lower()
        if not word:
            break
        if not kept and bare in _TITLES:
            kept.append(_TITLES[bare])
            continue
        if bare in _NAME_ENDERS and bare not in _PARTICLES:
            break
        if not _NAME_TOKEN.fullmatch(word):
            break
        if bare in _PARTICLES:
            # A particle belongs to the name only between two of its words.
            following = (
                words[index + 1].strip(',;:!?."()').lower() if index + 1 < len(words) else ""
            )
            if (
                not following
                or following in _NAME_ENDERS
                or not any(w for w in kept if w not in _TITLES.values())
            ):
                break
            kept.append(bare)
            continue
        if bare in _NOT_NAMES:
            # "I'm happy ..." is no name; after a name, a capitalised "An" still is one.
            if not kept or kept[-1] in _TITLES.values():
                return ""
            if not word[:1].isupper():
                break
        kept.append(word.rstrip("."))
        # A sentence ends at a period or comma that is not a title's.
        if raw.endswith((".", ",", "!", "?", ";")) or len(kept) >= _MAX_NAME_WORDS:
            break
    while kept and kept[-1] in _PARTICLES:
        kept.pop()
    if not kept or all(w in _TITLES.values() for w in kept):
        return ""
    return _tidy_name(" ".join(kept))


def extract_name(text: str) -> str:
    """The candidate's name from a reply to "what is your name?", or "" when unsure.

    Titles and compound surnames are kept ("It's Dr. Maria-Luisa van der Berg." gives
    "Dr. Maria-Luisa van der Berg"); a reply that is not a name gives "".
    """
    cleaned = " ".join(text.strip().split())
    match = _NAME_INTRO.search(cleaned)
    if match:
        name = _name_from(cleaned[match.end() :].split())
        if name:
            return name
    # A bare name, perhaps after a greeting or before "here": "Hi, Bob here."
    words = re.sub(r"^(?:hi|hello|hey|hiya)\b[,!.]?\s*", "", cleaned, flags=re.IGNORECASE)
    words = re.sub(r"\s+here[.!]?$", "", words, flags=re.IGNORECASE).rstrip(".!")
    parts = words.split()
    if 1 <= len(parts) <= _MAX_NAME_WORDS and all(
        _NAME_TOKEN.fullmatch(p.strip(",")) for p in parts
    ):
        name = _name_from(parts)
        if name and len(name.split()) == len(parts):
            return name
    return ""


def _cap(word: str) -> str:
    # "o'brien" -> "O'Brien", "jean-luc" -> "Jean-Luc"; "McDonald" and "DeShawn" stay.
    if word in _PARTICLES or word in _TITLES.values() or word[:1].isupper():
        return word
    return re.sub(r"(^|[-'’])(\w)", lambda m: m.group(1) + m.group(2).upper(), word)


def _tidy_name(name: str) -> str:
    name = name.strip(" .,!?;:")[:_MAX_NAME_CHARS]
    return " ".join(_cap(w) for w in name.split())


def first_name(name: str) -> str:
    """How to address someone informally: the first given name, after any title."""
    words = [w for w in name.split() if w not in _TITLES.values()]
    return words[0] if words else name
