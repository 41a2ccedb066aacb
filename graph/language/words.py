"""Words: the one tokenizer, stop-word list, stems and vocabularies every reader of answers uses.

Screening, the follow-up policy, the offline interviewer and the evaluator all read words through
this module, so "is this word content?" has one answer everywhere.
"""

from __future__ import annotations

import re
from functools import cache

# Identifiers stay whole: "requests.get", "customer_id", "py-spy", "c++", "node.js", "tcp/ip".
# A dot, slash or apostrophe only joins when a word character follows it, so "done." is a word.
TOKEN_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_+#]*(?:[.'/\-][A-Za-z0-9_][A-Za-z0-9_+#]*)*")
_STEM_WORD_RE = re.compile(r"[a-z][a-z0-9+#.\-_]{2,}")

# Written as prose-like blocks because a one-word-per-line literal would be 300 lines long.
STOPWORDS: frozenset[str] = frozenset(
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
    literally stuff able good great bit sort certainly definitely example instance
    question answer interview role job company team years year day days today honestly
    walk describe explain give im dont idk cant wont ive id
    """.split()  # noqa: SIM905
)
"""Everyday English words: never quoted, never what makes an answer on topic."""

# Words that mark an answer as technical whatever the question's own words are (one list: the
# follow-up policy, the offline interviewer's quoting and the evaluator read the same).
TECH_TERMS: frozenset[str] = frozenset(
    """
    api apis cache caching index indexes indices btree b-tree hash hashing thread threads
    threading lock locks mutex queue queues latency throughput database databases schema query
    queries transaction transactions async await asynchronous concurrency concurrent parallel
    parallelism memory pointer pointers heap stack tree trees graph graphs recursion recursive
    algorithm complexity deploy deployment pipeline pipelines container containers cluster
    clusters microservice microservices service services endpoint endpoints balancer
    replication replica replicas sharding shard partition partitions partitioning consistency
    idempotent idempotency retry retries timeout timeouts backoff kafka redis rabbitmq postgres
    postgresql mysql mongodb elasticsearch nginx terraform ansible jenkins grpc protobuf
    websocket websockets oauth jwt token tokens encryption tls ssl dns tcp udp http https cdn
    load scaling scalability autoscaling availability failover monitoring logging metrics
    tracing observability profiling profiler profile benchmark garbage collector gc closure
    closures generator generators decorator decorators iterator coroutine coroutines event
    loop callback callbacks promise promises hooks state props component components render
    rendering immutable immutability serialization deserialization binary linked list array
    arrays vector matrix dictionary map set sorting sort search bfs dfs dynamic programming
    memoization regression classifier model models training inference gradient overfitting
    regularization embedding embeddings feature features dataset datasets vectorization
    migration migrations orm rest graphql webhook webhooks middleware framework compiler
    runtime interpreter bytecode jvm goroutine goroutines channel channels unittest mock mocks
    fixture fixtures coverage ci cd rollback canary rollout kubernetes docker pod pods helm
    lambda s3 ec2 iam vpc sqs sns dynamodb normalization denormalization join joins table
    tables scan row rows column columns key keys cpu gpu disk network nosql sql python
    javascript typescript java golang rust react node git branch merge rebase commit test tests
    testing pytest jest integration unit function functions class object method interface type
    types generic variable loop exception error errors bug debug debugger logs log stacktrace
    request response client server protocol packet socket port proxy gateway cloud aws gcp
    azure bucket storage file files read write bottleneck optimize optimise performance
    refactor code library package dependency dependencies version versions poetry pip npm yarn
    lockfile build compile script shell bash linux process processes kernel syscall signal
    leak allocation salt password auth authentication authorization permission session cookie
    header payload json yaml xml csv parser parse regex string integer float bytes
    """.split()  # noqa: SIM905
)
"""Common technical words (whole words, lowercase)."""

WORK_TERMS: frozenset[str] = frozenset(
    """
    team teams teammate colleague colleagues manager lead leader stakeholder stakeholders
    customer customers client clients user users project projects deadline deadlines deliver
    delivered shipped ship release launch conflict disagree disagreed feedback mentor mentored
    priority priorities decision decided meeting meetings plan planned goal goals learn
    learned learning grow growth career role job company work worked working experience
    responsibility ownership owned problem problems solution solved issue incident outage bug
    fix fixed process improve improved communication communicate risk tradeoff compromise
    outcome result results impact mistake failed failure success successful product business
    requirement requirements scope estimate sprint
    """.split()  # noqa: SIM905
)
"""Words about work in general: what makes a behavioral answer on topic."""


def tokens(text: str) -> list[str]:
    """The words of `text` as written, identifiers whole ("requests.get", "customer_id")."""
    return TOKEN_RE.findall(text.replace("’", "'"))


def is_stopword(word: str) -> bool:
    """An everyday word, a single letter or a bare number: nothing worth quoting or matching."""
    lowered = word.lower().strip("'")
    return len(lowered) < 2 or lowered in STOPWORDS or lowered.replace(".", "").isdigit()


def content_tokens(text: str) -> list[str]:
    """The words of `text` that carry content, lowercased, in order."""
    return [t.lower() for t in tokens(text) if not is_stopword(t)]


def stem(word: str) -> str:
    """A light stem: "indexes" and "index", "caching" and "cache", "profiling" and "profile"
    meet; identifiers with a dot, underscore or digit are kept whole."""
    word = word.lower()
    if len(word) <= 3 or re.search(r"[._/+#0-9]", word):
        return word
    for suffix, keep in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            word = word[: len(word) - len(suffix)] + keep
            break
    return word.rstrip("e") if len(word) > 4 else word


def content_words(text: str) -> set[str]:
    """Content-word stems (first five letters), for a rough overlap of two texts.

    Stems make "generators" meet "generator" and "caching" meet "cache" without a stemmer. Kept
    for the evaluator's relevance score; the interview reads relevance from rubrics
    (graph.language.relevance).
    """
    words = {w.strip(".-") for w in _STEM_WORD_RE.findall(text.lower())} - STOPWORDS
    return {w[:5] for w in words if w}


@cache
def tech_stems() -> frozenset[str]:
    """`content_words` stems of TECH_TERMS."""
    return frozenset(w[:5] for w in TECH_TERMS if len(w) >= 3 and w not in STOPWORDS)


@cache
def work_stems() -> frozenset[str]:
    """`content_words` stems of WORK_TERMS."""
    return frozenset(w[:5] for w in WORK_TERMS if len(w) >= 3 and w not in STOPWORDS)


@cache
def everyday_stems() -> frozenset[str]:
    """`content_words` stems of STOPWORDS: they say nothing about a topic."""
    return frozenset(w[:5] for w in STOPWORDS if len(w) >= 3)


def sentences(text: str) -> list[str]:
    """`text` cut into sentences: at . ! ? followed by a space or the end, and at line breaks;
    "requests.get" and "3.11" stay whole."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [p.strip() for p in parts if p and p.strip()]
