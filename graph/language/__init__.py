"""Answer understanding: the one place that decides what a candidate's message is.

Blank, an admitted gap, a pass, a process request, terse, off-topic or partly relevant to the
question asked, the candidate's name, the end-of-interview marker, a message's text, the words
worth quoting. Screening (graph/cheat_rules.py), the follow-up policy (graph/follow_up.py), the
offline interviewer (graph/llm/offline/), the prompts' notes and the evaluator all call it, so
they never disagree. `tests/unit/test_language.py` pins it on one table of labelled messages.

Submodules: `words` (tokens, stop words, vocabularies), `kinds` (what a message is), `markers`
(the end marker), `names` (the candidate's name), `rubrics` (a question's rubric),
`relevance` (an answer against a rubric), `quotes` (what may be quoted back).
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
    "MarkerGuard",
    "MessageKind",
    "classify",
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
    "remove_markers",
    "screening_outcome",
    "scrub_markers",
    "sentences",
    "stem",
    "tokens",
    "word_count",
]
