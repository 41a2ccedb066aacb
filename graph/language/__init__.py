"""Answer understanding: the one place that decides what a candidate's message is.

Blank, an admitted gap, a pass, a process request, terse, off-topic or partly relevant to the
question asked, the candidate's name, the end-of-interview marker, a message's text, the words
worth quoting. Screening (graph/cheat_rules.py), the follow-up policy (graph/follow_up.py), the
offline interviewer (graph/llm/offline/), the prompts' notes and the evaluator all call it, so
they never disagree. `tests/unit/test_language.py` pins it on one table of labelled messages.

Submodules: `words` (tokens, stop words, vocabularies), `kinds` (what a message is), `markers`
(the end marker), `names` (the candidate's name), `rubrics` (a question's rubric), `match`
(finding a term as a reader would), `relevance` (an answer against a rubric), `quotes` (what may
be quoted back, `clip_quote` for evidence), `writer` (the LLM's rubric for a new question).

For the evaluator: `is_gap`, `is_pass`, `is_non_answer`, `classify` say what an answer is;
`rubric_for(question, skill, topic)` (or the rubric stored in `State.rubric`) and
`read_relevance(answer, rubric, topic)` say whether it answers the question (off-topic, a
neighbouring topic, partly relevant); `quotable_phrases` and `clip_quote` quote it whole.
"""

from __future__ import annotations

from graph.language.kinds import (
    GAP_PHRASES,
    TERSE_WORDS,
    MessageKind,
    classify,
    gap_pattern,
    gap_phrase,
    is_blank,
    is_gap,
    is_non_answer,
    is_pass,
    is_process_request,
    is_terse,
    message_text,
    screening_outcome,
    word_count,
)
from graph.language.markers import (
    END_MARKER,
    MarkerGuard,
    has_marker,
    remove_markers,
    scrub_markers,
)
from graph.language.names import extract_name, first_name
from graph.language.quotes import clip_quote, quotable_phrases
from graph.language.relevance import Relevance, RelevanceKind, read_relevance
from graph.language.rubrics import Anchors, Concept, Rubric, bank_rubric, rubric_for
from graph.language.words import (
    STOPWORDS,
    TECH_TERMS,
    WORK_TERMS,
    content_tokens,
    content_words,
    is_stopword,
    sentences,
    stem,
    tokens,
)

__all__ = [
    "END_MARKER",
    "GAP_PHRASES",
    "STOPWORDS",
    "TECH_TERMS",
    "TERSE_WORDS",
    "WORK_TERMS",
    "Anchors",
    "Concept",
    "MarkerGuard",
    "MessageKind",
    "Relevance",
    "RelevanceKind",
    "Rubric",
    "bank_rubric",
    "classify",
    "clip_quote",
    "content_tokens",
    "content_words",
    "extract_name",
    "first_name",
    "gap_pattern",
    "gap_phrase",
    "has_marker",
    "is_blank",
    "is_gap",
    "is_non_answer",
    "is_pass",
    "is_process_request",
    "is_stopword",
    "is_terse",
    "message_text",
    "quotable_phrases",
    "read_relevance",
    "remove_markers",
    "rubric_for",
    "screening_outcome",
    "scrub_markers",
    "sentences",
    "stem",
    "tokens",
    "word_count",
]
