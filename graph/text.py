"""Text helpers the nodes share: the end-marker guard, paragraphs, names, answer screening."""

from __future__ import annotations

import re
import unicodedata

END_MARKER = "End of interview."

# What may stand between the marker's words and still read as the marker: spaces of any kind,
# line breaks, Markdown emphasis and dashes ("End **of** interview" renders as the marker).
_JOIN = r"[\s*_~`\-\u2010-\u2015]+"
_MARKER_RE = re.compile(rf"\s*end{_JOIN}of{_JOIN}interview\.?")


def _any_prefix(parts: list[str]) -> str:
    """A pattern for any non-empty prefix of the sequence `parts`: `e(?:n(?:d)?)?`."""
    pattern = ""
    for part in reversed(parts[1:]):
        pattern = f"(?:{part}{pattern})?"
    return parts[0] + pattern


_PARTIAL = _any_prefix(["e", "n", "d", _JOIN, "o", "f", _JOIN, *"intervie"])
# The longest tail that, with more text, could still become a marker once the markers inside
# it are removed: whitespace, then a run of marker beginnings ("end of end of inter").
_HOLD_RE = re.compile(rf"(?:\s*(?:{_PARTIAL})+|\s+)\Z")


def _fold(text: str) -> str:
    """`text` for matching: case- and width-folded, one character for one (same indices)."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char.lower())
            continue
        folded = unicodedata.normalize("NFKC", char).casefold()
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def _drop_invisible(text: str) -> str:
    # Zero-width and other format characters (ZWSP, ZWJ, soft hyphen, bidi controls) would
    # split the marker for the guard yet show it whole to the reader.
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def remove_markers(text: str) -> str:
    """`text` without any "End of interview", however nested, spaced, cased or disguised.

    A removal can join the text around it into a new marker ("End of End of interview
    interview"), so removal repeats until none is left.
    """
    return _remove(_drop_invisible(text))[0]


def _remove(text: str) -> tuple[str, bool]:
    """`text` without markers, and whether one was cut from its very end without its full stop."""
    at_end = False
    while match := _MARKER_RE.search(_fold(text)):
        at_end = match.end() == len(text) and not text.endswith(".")
        text = text[: match.start()] + text[match.end() :]
    return text, at_end


class MarkerGuard:
    """Drops any "End of interview" the LLM writes, while streaming.

    Only the code may end an interview: the closing node appends the marker itself, and clients
    (the Streamlit app) treat the marker as the end, so a stray one from the LLM must never pass,
    in whatever chunks it arrives. Text that could still grow into a marker (including the
    beginnings of markers nested inside each other) is held back until it cannot.
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._cut_at_end = False
        """A marker was just cut from the end: its full stop may open the next chunk."""

    def feed(self, text: str) -> str:
        text = _drop_invisible(text)
        if not text:
            return ""
        if self._cut_at_end:
            text = text.removeprefix(".")
            self._cut_at_end = False
        cleaned, self._cut_at_end = _remove(self._buffer + text)
        hold = _HOLD_RE.search(_fold(cleaned))
        cut = hold.start() if hold else len(cleaned)
        self._buffer = cleaned[cut:]
        return cleaned[:cut]

    def flush(self) -> str:
        out, self._buffer = remove_markers(self._buffer), ""
        return out


def last_paragraph(text: str) -> str:
    """The question of a reply: its last paragraph (prompts put the question there)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        return text.strip()
    if "?" not in paragraphs[-1] and any("?" in p for p in paragraphs):
        return next(p for p in reversed(paragraphs) if "?" in p)
    return paragraphs[-1]


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


_GAP_RE = re.compile(
    r"\b(?:i\s+(?:do\s+not|don'?t|dont)\s+know|no\s+idea|not\s+sure|no\s+clue|"
    r"i'?m\s+not\s+familiar|i\s+am\s+not\s+familiar|never\s+(?:used|worked\s+with|heard\s+of)|"
    r"(?:can'?t|cannot)\s+remember|i\s+have\s+no\s+experience|i\s+haven'?t\s+(?:used|worked))",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z][a-z0-9+#.\-]{2,}")
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "what",
        "how",
        "why",
        "when",
        "which",
        "that",
        "this",
        "would",
        "could",
        "have",
        "has",
        "are",
        "was",
        "were",
        "can",
        "about",
        "into",
        "from",
        "they",
        "them",
        "their",
        "there",
        "then",
        "than",
        "some",
        "any",
        "does",
        "did",
        "not",
        "but",
        "its",
        "it's",
        "our",
        "out",
        "use",
        "used",
        "using",
        "tell",
        "walk",
        "through",
        "describe",
        "explain",
        "example",
        "give",
    ]
)


# Written as prose-like blocks because a one-word-per-line literal would be 300 lines long.
EVERYDAY_WORDS = frozenset(
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
"""Everyday English words: the offline interviewer never quotes them, and they never make an
answer on topic."""


def is_knowledge_gap(answer: str) -> bool:
    """A short answer that admits not knowing (long answers that hedge are still answers)."""
    return bool(_GAP_RE.search(answer)) and len(answer.split()) < 40


def content_words(text: str) -> set[str]:
    """Content-word stems (first five letters), for a rough on-topic check.

    Stems make "generators" meet "generator" and "caching" meet "cache" without a stemmer.
    """
    words = {w.strip(".-") for w in _WORD_RE.findall(text.lower())} - _STOPWORDS
    return {w[:5] for w in words if w}


def is_blank(text: str) -> bool:
    """No letter or digit at all: empty, whitespace, punctuation, symbols or invisible characters.

    Such a message is not an answer in any stage: the graph prompts gently and advances nothing.
    """
    return not any(char.isalnum() for char in text)


# Words that mark an answer as technical whatever the question's own words are. The follow-up
# policy calls an answer off topic only when it shares no stem with the question, the skill, the
# skill's bank and this list: a false "off topic" would lecture a candidate who answered.
_TECH_VOCABULARY = """
api apis cache caching index indexes indices btree b-tree hash hashing thread threads lock locks
mutex queue queues latency throughput database databases schema query queries transaction
transactions async await asynchronous concurrency concurrent parallel parallelism memory pointer
heap stack tree graph recursion algorithm complexity deploy deployment pipeline container
containers cluster microservice service services endpoint balancer replication replica sharding
partition consistency idempotent retry timeout backoff kafka redis rabbitmq postgres postgresql
mysql mongodb elasticsearch nginx terraform ansible jenkins grpc protobuf websocket oauth jwt token
encryption tls ssl dns tcp udp http https cdn scaling scalability availability failover
monitoring logging metrics tracing observability profiling benchmark garbage collector closure
generator decorator iterator coroutine callback promise hooks props component render immutable
serialization binary linked list array vector matrix dictionary sorting search dynamic
memoization regression classifier model training inference gradient overfitting embedding
feature dataset migration orm rest graphql webhook middleware framework compiler runtime
interpreter bytecode jvm goroutine channel unittest mock fixture coverage rollback canary rollout
kubernetes docker pod helm lambda ec2 iam vpc sqs dynamodb normalization join table scan row
column key cpu gpu disk network python javascript typescript java golang rust sql nosql react
node git branch merge rebase commit test tests testing pytest jest integration unit function
class object method interface type types generic variable loop exception error errors bug
debug debugger logs log stacktrace request response client server protocol packet socket
socket port proxy gateway load cloud aws gcp azure bucket storage file files read write
latency cpu bottleneck optimize optimise performance profile refactor code library package
dependency dependencies version versions poetry pip npm yarn lockfile lock build compile
script shell bash linux process processes kernel syscall signal memory leak allocation
encryption hash salt password auth authentication authorization permission role session
cookie header payload json yaml xml csv parser parse regex string integer float bytes
"""
TECH_STEMS: frozenset[str] = frozenset(
    w[:5] for w in _TECH_VOCABULARY.split() if len(w) >= 3 and w not in _STOPWORDS
)
"""Stems (as `content_words` makes them) of common technical words."""


_WORK_VOCABULARY = """
team teams teammate colleague colleagues manager lead leader stakeholder stakeholders customer
customers client clients user users project projects deadline deadlines deliver delivered
shipped ship release launch conflict disagree disagreed feedback mentor mentored priority
priorities decision decided meeting meetings plan planned goal goals learn learned learning grow
growth career role job company work worked working experience responsibility ownership owned
problem problems solution solved issue incident outage bug fix fixed process improve improved
communication communicate risk tradeoff compromise outcome result results impact mistake failed
failure success successful product business requirement requirements scope estimate sprint
"""
WORK_STEMS: frozenset[str] = frozenset(
    w[:5] for w in _WORK_VOCABULARY.split() if len(w) >= 3 and w not in _STOPWORDS
)
"""Stems of words about work in general: what makes a behavioral answer on topic."""
