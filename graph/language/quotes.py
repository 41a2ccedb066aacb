"""What may be quoted back to a candidate, and how to find it.

A quote is a whole phrase or a rubric term inside one sentence: two to four content words,
identifiers kept whole (`requests.get`, `customer_id`, `EXPLAIN ANALYZE`), never a fragment that
stops on a verb, never words from a sentence that is off the question. The offline interviewer
quotes with these; the evaluator may use them for evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from graph.language.markers import has_marker
from graph.language.match import find_term, term_stems
from graph.language.relevance import Topic, read_relevance
from graph.language.rubrics import Rubric
from graph.language.words import STOPWORDS, TECH_TERMS, sentences


def is_skill_name(word: str) -> bool:
    from graph.skills import is_skill_name as known

    return known(word)


# Identifiers stay whole: "requests.get", "customer_id", "c++", "node.js", "tcp/ip".
_TOKEN_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_+#._/'-]*[A-Za-z0-9_+#]|[A-Za-z0-9]")
# Fragment boundaries: punctuation that ends a thought. A dot only counts when followed by
# space or end, so "node.js" and "3.11" stay whole.
_FRAGMENT_RE = re.compile(r"[,;:!?()\[\]{}\"“”\n]|\.(?=\s|$)|\s[-–—]\s")


def _token_score(token: str, first_in_fragment: bool) -> float:
    lower = token.lower()
    score = min(len(token), 14) / 4
    if lower in TECH_TERMS or is_skill_name(lower):
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
        or word.lower().strip("'") in STOPWORDS
        or word.replace(".", "").isdigit()  # bare numbers say nothing quotable
    )


def _runs(
    fragment: str, wanted: frozenset[str] = frozenset()
) -> Iterator[list[tuple[re.Match[str], float]]]:
    """Maximal runs of consecutive non-stopword tokens in `fragment`, each token scored."""
    run: list[tuple[re.Match[str], float]] = []
    for index, token in enumerate(_TOKEN_RE.finditer(fragment)):
        word = token.group(0)
        if _is_stopword(word):
            if run:
                yield run
            run = []
            continue
        score = _token_score(word, first_in_fragment=index == 0)
        run.append((token, score + (3 if word.lower() in wanted else 0)))
    if run:
        yield run


def salient_phrases(text: str, limit: int = 3, terms: Sequence[str] = ()) -> list[str]:
    """The most quotable spans of `text`: 1-4 consecutive non-stopwords, technical ones first.

    Spans are cut from the original text, one sentence at a time (a quote never crosses a
    sentence), so the candidate sees their own words quoted back. Words of `terms` (a rubric's)
    score like technical ones.
    """
    wanted = {w.lower() for term in terms for w in _TOKEN_RE.findall(term)}
    scored: list[tuple[float, int, str]] = []
    offset = 0
    pieces = [f for sentence in sentences(text) for f in _FRAGMENT_RE.split(sentence)]
    for fragment in (p.replace("’", "'") for p in pieces):
        for run in _runs(fragment, frozenset(wanted)):
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


def quotable_phrases(
    text: str, limit: int = 3, rubric: Rubric | None = None, topic: Topic = "skill"
) -> list[str]:
    """Phrases worth quoting back: two to four content words inside one sentence, identifiers
    whole, not a dangling verb; with the question's rubric, only from sentences that touch the
    question, its skill or technical ground (an off-topic answer or sentence is never quoted),
    and the rubric's own terms first ("EXPLAIN ANALYZE", "hot spots").

    A single word ('API', 'Happy') or a fragment that stops on a verb ('GraphQL POSTs bypass',
    'coroutine runs') reads as a template that grabbed a random piece of the answer.
    """
    terms: list[str] = []
    if rubric is not None:
        relevance = read_relevance(text, rubric, topic)
        if relevance.kind == "off_topic":
            return []
        text = " ".join(relevance.relevant_sentences)
        terms = [t for c in (*rubric.concepts, *rubric.neighbours) for t in c.terms]
    phrases: list[str] = []
    for found in _rubric_spans(text, terms):
        if not any(found.lower() in p.lower() or p.lower() in found.lower() for p in phrases):
            phrases.append(found)
    for phrase in salient_phrases(text, limit=limit * 4, terms=terms):
        if any(phrase.lower() in p.lower() or p.lower() in phrase.lower() for p in phrases):
            continue
        words = phrase.split()
        if not 2 <= len(words) <= 4 or _cut_mid_phrase(phrase, text):
            continue
        before = re.search(r"([\w'-]+)\s+" + re.escape(phrase), text)
        if before and before.group(1).lower() in ("that", "which", "who", "to"):
            continue  # "a rule that flags ...": the phrase starts on a verb
        last = words[-1].lower()
        if last in _VERBISH or (_WEAK_ENDINGS.search(last) and last not in TECH_TERMS):
            continue
        if _noun_then_verb(words[-2].lower(), last):
            continue  # "coroutine runs", "loop stalls": a clause cut after its verb
        phrases.append(phrase)
    return phrases[:limit]


def _noun_then_verb(before: str, last: str) -> bool:
    """A technical noun in the singular followed by a word in -s that is no term: a verb."""
    return (
        before in TECH_TERMS
        and not before.endswith("s")
        and last.endswith("s")
        and not last.endswith("ss")
        and last not in TECH_TERMS
        and last.rstrip("s") not in TECH_TERMS
    )


def _rubric_spans(text: str, terms: Sequence[str]) -> list[str]:
    """The rubric's terms of two or more words found in `text`, as the candidate wrote them."""
    spans: list[str] = []
    parts = sentences(text)
    for term in sorted(set(terms), key=len, reverse=True):
        if len(term_stems(term)) < 2:
            continue
        for sentence in parts:
            found = find_term(sentence, term)
            if found is not None:
                spans.append(sentence[found[0] : found[1]])
                break
    return spans


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
    set put let behind runs uses calls returns takes makes gets sets keeps needs waits yields
    sends holds stops starts reads writes creates handles checks breaks fails works goes lets
    puts adds moves shows tells gives finds lives sits becomes happens happen show occur occurs
    appear appears matter matters help helps break fail stall stalls block wait grow grows
    above below under over across into onto per large small big new old first last each
    instead too also again well inside outside within without between through
    """.split()  # noqa: SIM905
)


def has_term(phrase: str) -> bool:
    """Whether `phrase` holds a technical word or a skill's name."""
    return any(w.lower() in TECH_TERMS or is_skill_name(w) for w in phrase.split())


def clip_quote(text: str, max_chars: int = 160) -> str:
    """`text` cut to at most `max_chars` at a word boundary, never inside a word or an
    identifier ("requests.get", "customer_id" stay whole or go whole), with "..." when cut:
    for evidence quoted from a long answer."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars + 1]
    space = cut.rfind(" ")
    if space <= 0:
        # One long token: keep it whole rather than cut it.
        return text.split(" ", 1)[0]
    return cut[:space].rstrip(" ,;:-") + "..."
