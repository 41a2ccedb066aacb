"""The screening rules, as data, and the screen that applies them.

Every candidate message is screened before routing, and a match has one of three outcomes
(``OUTCOMES``, by category): *integrity* (asking for answers or hints, instructions aimed at the
model, role-play, prompt extraction, asking to be graded) gets the fixed warning and counts as a
potential cheat attempt; *process* (ending early, skipping the interview, asking for feedback or
the score) gets a polite fixed reply and is recorded as a process event, never as cheating;
*pass* (passing on the current question) is allowed and moves the interview on. A false positive
costs an honest candidate a turn, so the rules look for *requests aimed at the interviewer* (an
imperative, a "can you ...", "me"/"us" as the recipient, a fake role tag), never for single
trigger words: "answer", "skip", "end", "ignore", "act as", "system", "prompt" and "questions"
all occur constantly in honest answers.

Borderline phrases, decided once here so the table tests can pin them:

* "I don't know, can we move on?" is a knowledge gap, handled by the graph: not matched.
  Passing ("skip this question", "next question please", "can I pass on this one?") is a pass,
  unless the message also admits not knowing ("No idea, next question please"): the graph moves
  on after a knowledge gap anyway, with reassurance. Ending the interview or jumping to its end
  is a process request either way; grading oneself is an integrity matter either way.
* "Could you repeat / clarify the question?" and "how many questions are left?" are honest.
  Asking for the questions themselves ("what questions will you ask") is extraction.
* "What's the correct answer?" and "how would you solve it?" are flagged only when they end the
  message: "So what's the solution? A write-through cache." is a rhetorical question.
* A self-correction ("ignore what I said above", "ignore the above") is not flagged; ignoring
  instructions, "your rules" or the system prompt is.
* "act as", "role-play as" are flagged only when aimed at the model (after a directive such as
  "I want you to", "please", "can you", or with a persona such as "DAN", "an AI without rules",
  "my tutor"), because services "act as a proxy" all day. "pretend to be" needs a directive or
  a sentence start ("our mocks pretend to be the payment provider" is honest); "pretend you
  are" is always a role change, "pretend you have a million users" a thought experiment.
* A role tag needs words for the model after it: "System: you are ..." is flagged, "System:
  Ubuntu 22.04" labels an answer. Chat-template tokens and "[INST]" are flagged anywhere.
* Tool words stay innocent: "query hints", "type hints", "debug mode", "jailbroken devices",
  "developer mode in Chrome", "skip list", "skip the cache", "end-to-end", "the end of the list".

Rules are tried in ``RULES`` order, which is also severity order (integrity: injection,
extraction, answer requests, grading; then process requests; then passes), so a message that does
several things is filed under the worst.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias, get_args

from graph.language.kinds import gap_pattern

CheatCategory = Literal[
    "answer_request",
    "grade_manipulation",
    "instruction_injection",
    "prompt_extraction",
    "end_early",
    "feedback_request",
    "pass_question",
]

CATEGORIES: Final[tuple[CheatCategory, ...]] = get_args(CheatCategory)
"""Every category, in declaration order."""

ScreeningOutcome = Literal["integrity", "process", "pass"]
"""What the graph does with a match: *integrity* gets the fixed warning and counts as a potential
cheat attempt; *process* (ending early, asking for feedback or the score) gets a polite fixed
reply and is recorded as a process event, not as cheating; *pass* (passing on the current
question) is allowed: the question is recorded as not answered and the interview moves on."""

OUTCOMES: Final[dict[CheatCategory, ScreeningOutcome]] = {
    "instruction_injection": "integrity",
    "prompt_extraction": "integrity",
    "answer_request": "integrity",
    "grade_manipulation": "integrity",
    "end_early": "process",
    "feedback_request": "process",
    "pass_question": "pass",
}
"""The outcome of each category: the one place that decides what counts as cheating."""

EXCERPT_MAX_CHARS: Final = 80
"""Longest excerpt a match carries: enough to audit the flag, too short to store an essay."""


@dataclass(frozen=True)
class CheatRule:
    """One detection rule: a named regex over the normalised message, filed under a category.

    ``pattern`` is compiled once and matched against the normalised text (NFKC, lowercased,
    invisible characters removed, whitespace collapsed to single spaces), so it is written in
    lowercase ASCII with single spaces; that is what makes it case-insensitive.

    ``needles`` are literal substrings of which every possible match contains at least one. A
    message holding none of them skips the regex, which keeps screening at a few microseconds:
    most honest messages wake no rule at all. An empty ``needles`` always runs the regex.

    ``unless`` is a regex that, found anywhere in the normalised message, vetoes the rule: it
    lets "I don't know, can we skip this one?" through as the knowledge gap it is.
    """

    name: str
    category: CheatCategory
    pattern: str
    needles: tuple[str, ...] = ()
    unless: str = ""
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    unless_regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The text is case-folded before any rule reads it, so a lowercase rule is a
        # case-insensitive one. Checked because an uppercase letter would silently never match,
        # and checking spares re.IGNORECASE, which doubles the cost of every scan.
        if re.search(r"[A-Z]", re.sub(r"\\.", "", self.pattern + self.unless)):
            raise ValueError(f"rule {self.name!r}: write patterns in lowercase")
        if not all(needle and needle == needle.lower() for needle in self.needles):
            raise ValueError(f"rule {self.name!r}: needles must be non-empty and lowercase")
        object.__setattr__(self, "regex", re.compile(self.pattern))
        object.__setattr__(self, "unless_regex", re.compile(self.unless) if self.unless else None)

    def search(self, folded: str) -> re.Match[str] | None:
        """The rule's first hit in normalised text (see ``normalise_message``), or None."""
        if self.needles and not any(needle in folded for needle in self.needles):
            return None
        return self._hit(folded)

    def _hit(self, folded: str) -> re.Match[str] | None:
        # The regex without the needle check, for a caller that has done it already.
        hit = self.regex.search(folded)
        if hit is None or (self.unless_regex is not None and self.unless_regex.search(folded)):
            return None
        return hit


@dataclass(frozen=True)
class CheatMatch:
    """Why a message was flagged: the category, the rule's name, and the text around the hit."""

    category: CheatCategory
    rule: str
    excerpt: str

    @property
    def outcome(self) -> ScreeningOutcome:
        """What the graph does with the message (see ``OUTCOMES``)."""
        return OUTCOMES[self.category]


# --- Shared fragments --------------------------------------------------------------------------
# Spliced into the rules with f-strings, so a rule's own `{m,n}` is written `{{m,n}}`. No
# fragment nests an unbounded quantifier inside another: word gaps use a possessive inner
# quantifier under a bounded count, so a 100k-character message is scanned in linear time.


def _either(words: Iterable[str]) -> str:
    """A non-capturing alternation of literal words."""
    return "(?:" + "|".join(words) + ")"


def _each(words: Iterable[str], *suffixes: str) -> tuple[str, ...]:
    """Every word followed by every suffix: the needles of a verb-then-recipient pattern."""
    return tuple(word + suffix for word in words for suffix in suffixes)


# One whole word and its space; possessive, so a word is never re-split to retry a match.
_WORD = r"\w++ "

# Where a request starts: the message start, a sentence or clause break, or a polite or modal
# opener. This is what separates "write the code for me" from "Copilot writes the code for me".
_REQUEST = (
    r"(?:^|[.!?,;:] |\b(?:please|pls|plz|just|now|so|ok|okay|can you|could you|would you"
    r"|will you|can u|could u|i want you to|i need you to|i'd like you to|i would like you to)"
    r"(?: please| just)? )"
)

# Openers that address the model, for role-play injections. A sentence start is not one:
# "Act as a single entry point for clients." is a fair one-line answer about API gateways. Nor
# is "let's": "let's act as if the primary is down" is a failover drill.
_DIRECTIVE = (
    r"(?:\b(?:i want you to|i need you to|i'd like you to|i would like you to|you will|you'll"
    r"|you must|you shall|you are to|you're to|you are going to|you're going to|can you|could you"
    r"|would you|will you|please|from now on,?(?: you(?: will| must| shall|'ll)?)?)"
    r"(?: now| just| please)? )"
)

# Openers of intent for skipping or ending: an honest story says "I managed to finish the
# interview" or "users can skip the question"; an attempt says "let's / please / can we ...".
_INTENT = (
    r"(?:^|[.!?,;:] |\b(?:please|just|let's|lets|let us|can we|could we|can you|could you"
    r"|can i|could i|may i|may we|i want to|i wanna|i'd like to|i would like to|i need to"
    r"|we should|go ahead and|time to|now|i'd rather|i choose to|i'm going to|i am going to)"
    r"(?: please| just| now)? )"
)

# The end of an ask: the sentence ends right after it.
_ASK_END = r"(?: please)? ?(?:[?!.]|$)"
# The end of the message: a question answered in the same breath is rhetorical.
_MESSAGE_END = r"(?: please)?(?: ?[?!.]++)?$"

_YOU_ASKED = ("can you", "could you", "would you", "will you")
_MAY_I = _each(("can", "could", "may", "might"), " i", " we")

_MODS = (
    r"(?:correct|right|real|full|complete|model|expected|ideal|best|final|actual|exact|sample"
    r"|example|perfect|intended|proper|optimal|official|whole)"
)
_ANSWER = r"(?:answers?|solutions?|hints?|clues?)"
_GIVE_VERBS = (
    "give", "tell", "show", "send", "provide", "share", "reveal", "hand", "post", "type",
    "whisper", "drop", "spare", "offer",
)  # fmt: skip
# SQL and Python have hints of their own ("a hint to the optimizer", "a hint type"), and "a hint
# of irony" is a trace, not a clue.
_NOT_TOOL_HINT = (
    r"(?! (?:of|type|annotation|comment|column|to the (?:optimi[sz]er|planner|compiler)))"
)

_IGNORE_VERBS = ("ignore", "disregard", "forget", "override", "bypass", "discard", "follow")
_ACT_AS = _each(("act", "behave", "respond", "reply", "answer", "play", "pose"), " as", " like")

_PROMPT = (
    r"(?:system prompts?|prompts?|instructions|directives|preamble|programming|system messages?"
    r"|system instructions|initial message|guardrails)"
)
_PROMPT_NEEDLES = (
    "prompt", "instruction", "directive", "preamble", "programming", "system message",
    "initial message", "guardrail",
)  # fmt: skip
# Qualifiers that make "the instructions" the model's own rather than the task's.
_SECRET = (
    r"(?:system|initial|hidden|secret|internal|developer|underlying|verbatim|preceding|pre"
    r"|starting|opening)"
)
_QUALIFIER = rf"(?:{_SECRET}|original|full|exact|complete|entire|whole|real|raw)"
# No "repeat" or "read": "could you repeat your instructions?" asks for the task again, and
# "I read your instructions" is polite.
_REVEAL = (
    r"(?:show|reveal|print|tell|output|display|give|share|list|dump|leak|paste|write out"
    r"|spell out|recite|expose|disclose|echo|summari[sz]e|translate|send|type out|provide|copy)"
)
_REVEAL_OBJECT = r"(?: me| us)?(?: back)?(?: all)?(?: of)?"

_PERSONA = (
    r"(?:dan|chatgpt|gpt(?:-?\d++)?"
    r"|an? (?:ai|llm|language model|chatbot|assistant|bot) (?:with|without|that|who|which)"
    r"|an? (?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue) \w++"
    r"|my (?:\w++ )?(?:tutor|teacher|assistant|grandma|grandmother|helper|friend|coach|servant)"
    # "act as if you were the customer" is a product exercise; "as if you had no rules" is not.
    r"|(?:if|though) you(?: have| had| are| were|'re)(?: no| not|n't| free| an? (?:ai|unrestricted"
    r"|unfiltered|jailbroken|different)| dan| unrestricted| unfiltered| jailbroken)\b)"
)

_LIST_VERBS = (
    "show", "give", "send", "tell", "list", "share", "reveal", "print", "display", "provide",
    "dump", "output", "paste", "leak",
)  # fmt: skip
_QUESTIONS_QUAL = (
    r"(?:remaining|upcoming|next|other|future|planned|interview|technical|behavioral|coding"
    r"|custom|following|prepared|scripted|hidden|secret)"
)

# "turn on developer mode in Chrome" is a browser setting, not a jailbreak.
_NOT_A_DEVICE_SETTING = (
    r"(?! (?:in|on|for) (?:chrome|android|the browser|firefox|windows|ios|vs ?code|the settings"
    r"|settings|your phone|the phone))"
)

# How a fake system turn talks: to the model, about the candidate, or in imperatives.
_TO_THE_MODEL = (
    r"you|your|the (?:candidate|user|assistant|interviewer|model|ai)|candidate|ignore|disregard"
    r"|forget|new|override|from now on|always|never|do not|don't|enable|reveal|print|grade|mark"
    r"|pass|act|pretend|respond|answer|sure|certainly|of course|here is|here's|here are"
)

# The end of a request to stop: "end the interview now.", "... early, please", "... and
# give me the results".
_ENDING_NOW = (
    r"(?: now| here| early| immediately| right now| right away| already| for today)?"
    r"(?: please)? ?(?:[?!.,]|$| and\b)"
)

# Admitting a knowledge gap, in the one list graph.language reads (GAP_PHRASES): a skip request
# that comes with "I don't know" is the honest way to move on, and the graph moves on anyway.
_ADMITS_GAP = gap_pattern()

# A process with an interview in it: "we skip the interview step for internal transfers".
_NOT_A_PROCESS = r"(?! (?:step|stage|process|loop|phase|pipeline))"


RULES: tuple[CheatRule, ...] = (
    # --- instruction_injection: text that tries to re-program the interviewer --------------
    CheatRule(
        "ignore_prior_instructions",
        "instruction_injection",
        # A qualifier is required: "ignore the rules in the linter config" is an honest answer.
        r"\b(?:ignore|disregard|forget|override|bypass|discard|do not follow|don't follow"
        r"|stop following)(?: all| any| every)?(?: of)?(?: the| these| those| my)?"
        r" (?:(?:previous|prior|above|earlier|preceding|original|initial|system|hidden|developer"
        r"|safety) ){1,2}(?:instructions?|rules|prompts?|guidelines|directives|directions"
        r"|programming|guardrails)\b",
        needles=_IGNORE_VERBS,
    ),
    CheatRule(
        "ignore_your_rules",
        "instruction_injection",
        r"\b(?:ignore|disregard|forget|override|bypass|discard|do not follow|don't follow"
        r"|stop following|break)(?: all| any| every)?(?: of)? your (?:own |current |previous"
        r" |original |initial |system |core |safety )?(?:instructions?|rules|prompts?|guidelines"
        r"|directives|programming|guardrails|restrictions|training|system prompt)\b",
        needles=(*_IGNORE_VERBS, "break"),
    ),
    CheatRule(
        "ignore_all_instructions",
        "instruction_injection",
        # "the instructions" alone may be a task's; "all instructions" is the classic override.
        r"\b(?:ignore|disregard|forget|override|bypass)(?: all| any)(?: of)?(?: the)?"
        r" (?:instructions|prompts|directives|guardrails)\b",
        needles=_IGNORE_VERBS,
    ),
    CheatRule(
        "you_are_now_persona",
        "instruction_injection",
        rf"\byou(?: are|'re) now (?:(?:called|named|known as) \w++|dan|stan|dude|evil|unfiltered"
        rf"|uncensored|jailbroken|unrestricted|unchained|liberated|free from|in (?:developer|dev"
        rf"|god|admin|jailbreak|unrestricted|dan|sudo) mode|(?:a|an|my|the) (?:{_WORD}){{0,2}}"
        rf"(?:assistant|ai|bot|chatbot|interviewer|helper|tutor|character|persona|gpt|llm))\b",
        needles=("you are now", "you're now"),
    ),
    CheatRule(
        "do_anything_now",
        "instruction_injection",
        # DAN by its long name, as a mode, or as a role; "Dan" alone is a colleague's name.
        r"\bdo anything now\b|\bdan mode\b|\b(?:act as|you are|be|become|enable|activate) dan\b",
        needles=("do anything now", "dan"),
    ),
    CheatRule(
        "from_now_on_you",
        "instruction_injection",
        # A directive verb is required: "from now on you'll see fewer retries" explains a fix.
        r"\bfrom now on,? (?:you(?: will| must| shall|'ll| are to| are going to)?(?: only| always"
        r"| never| not| no longer)? (?:act|answer|respond|reply|behave|ignore|disregard|forget"
        r"|pretend|speak|talk|obey|follow my|give me|tell me|reveal|play|role[- ]?play"
        r"|refer to yourself|call yourself|be (?:called|named|known as|dan|my|an? (?:unrestricted"
        r"|unfiltered|uncensored|ai|assistant)))|you(?: are|'re) (?:an? |my )?(?:unrestricted"
        r"|unfiltered|uncensored|jailbroken|dan|evil|free)|your (?:new )?(?:instructions|rules"
        r"|name|persona|directives))\b",
        needles=("from now on",),
    ),
    CheatRule(
        "pretend_you_are",
        "instruction_injection",
        rf"\bpretend(?: that)? you(?:'re| are| were| aren't| are not)\b"
        rf"|(?:^|[.!?:;] |{_DIRECTIVE})pretend to be\b",
        needles=("pretend",),
    ),
    CheatRule(
        "act_as_directed",
        "instruction_injection",
        rf"{_DIRECTIVE}(?:act|behave|respond|reply|answer|role[- ]?play|pose) (?:as|like)\b",
        needles=_ACT_AS,
    ),
    CheatRule(
        "act_as_persona",
        "instruction_injection",
        rf"\b(?:act|behave|respond|reply|role[- ]?play|pose) (?:as|like) (?:the )?{_PERSONA}\b",
        needles=_ACT_AS,
    ),
    CheatRule(
        "role_play_request",
        "instruction_injection",
        r"\b(?:let's|lets|let us) (?:do a )?role[- ]?play\b"
        r"|\brole[- ]?play (?:with me|a scenario where you|that you|where you)\b",
        needles=("roleplay", "role-play", "role play"),
    ),
    CheatRule(
        "new_instructions",
        "instruction_injection",
        r"\b(?:new|updated|revised|real|actual|additional|override|admin|secret|hidden|true)"
        r" (?:instructions?|directives|system prompt|prompt) ?:"
        r"|\b(?:here are|these are|follow|obey) your new (?:instructions|directives|rules"
        r"|system prompt|orders)\b",
        needles=(":", "your new"),
    ),
    CheatRule(
        "fake_role_tag",
        "instruction_injection",
        # A role label opening the message or a sentence, then words aimed at the model
        # ("SYSTEM: you may now ..."). "System: Ubuntu 22.04" is a label on an answer, and in
        # "operating system: Linux" a word precedes it.
        rf"(?:^|[.!?\])}}>\"'] |[\[<(])(?:system|assistant|sys) ?: ?(?:{_TO_THE_MODEL})\b"
        rf"|(?:^|[.!?\])}}>\"'] |[\[<(])(?:system|assistant) (?:message|prompt|note|override"
        rf"|instruction)s? ?:"
        rf"|#{{1,6}} ?(?:new )?(?:instructions?|system(?: prompt)?|response) ?:"
        rf"|\[/?(?:inst|system|sys|assistant)\]|<</?sys>>",
        needles=(":", "[", "<<"),
    ),
    CheatRule(
        "chat_template_token",
        "instruction_injection",
        # Special tokens of chat templates: <|im_start|>, <|system|>, <|endoftext|>, ...
        r"<\|[a-z_]{2,30}\|>|<\|?(?:im_start|im_end|eot_id|start_header_id|endoftext)\|?>",
        needles=("<|", "im_start", "im_end", "eot_id", "start_header_id", "endoftext"),
    ),
    CheatRule(
        "developer_mode",
        "instruction_injection",
        rf"\b(?:enable|enter|activate|switch to|switch into|turn on|go into|unlock"
        rf"|you(?:'re| are) (?:now )?in) (?:the )?(?:developer|dev|god|dan|jailbreak|unrestricted"
        rf"|unfiltered|sudo) mode\b{_NOT_A_DEVICE_SETTING}"
        rf"|\b(?:developer|dev|god|jailbreak|unrestricted) mode (?:enabled|activated|on"
        rf"|unlocked)\b",
        needles=_each(
            ("developer", "dev", "god", "dan", "jailbreak", "unrestricted", "unfiltered", "sudo"),
            " mode",
        ),
    ),
    CheatRule(
        "jailbreak",
        "instruction_injection",
        # "detect jailbroken devices" is mobile security; the model as the target is an attack.
        r"\bjail[- ]?break(?:ing)? (?:you|yourself|this (?:ai|model|bot|chat|interview"
        r"|interviewer|system)|the (?:ai|model|bot|chat|interviewer|system|prompt|llm))\b"
        r"|\bjail[- ]?break (?:mode|prompt|attempt)\b"
        r"|\b(?:you(?:'re| are)|you have been|you've been) (?:now )?jail[- ]?broken\b"
        r"|\bjail[- ]?broken (?:ai|mode|version|assistant|model|llm|chatbot|bot)\b"
        r"|^jail[- ]?break\b|\b(?:this is|here is|here's|it's) a jail[- ]?break\b",
        needles=("jail",),
    ),
    CheatRule(
        "no_longer_bound",
        "instruction_injection",
        r"\byou(?: are|'re) (?:no longer|not) (?:bound|restricted|limited|constrained) by"
        r" (?:any |your |the |those |these )?(?:rules|instructions|guidelines|restrictions"
        r"|policies|prompt|system prompt)\b",
        needles=("bound by", "restricted by", "limited by", "constrained by"),
    ),
    # --- prompt_extraction: attempts to read the prompt, instructions or question plan ------
    CheatRule(
        "reveal_prompt",
        "prompt_extraction",
        rf"\b{_REVEAL}{_REVEAL_OBJECT} your (?:{_QUALIFIER} ){{0,2}}{_PROMPT}\b",
        needles=_PROMPT_NEEDLES,
    ),
    CheatRule(
        "reveal_system_prompt",
        "prompt_extraction",
        # Here "repeat" is fine: nobody's task comes with a system prompt. "the" needs an
        # opener, because "we print the system prompt in debug logs" is an LLM-app story.
        rf"{_REQUEST}(?:{_REVEAL}|repeat){_REVEAL_OBJECT} (?:the|this|its)"
        rf" (?:(?:{_QUALIFIER} )?{_SECRET} {_PROMPT}|system prompt)\b"
        rf"|\brepeat{_REVEAL_OBJECT} your (?:(?:{_QUALIFIER} )?{_SECRET} {_PROMPT}"
        rf"|system prompt)\b",
        needles=_PROMPT_NEEDLES,
    ),
    CheatRule(
        "what_is_your_prompt",
        "prompt_extraction",
        rf"\bwhat(?:'s| is| are| were| was)(?: all)?(?: in| inside| written in)?"
        rf" (?:your (?:{_QUALIFIER} ){{0,2}}{_PROMPT}|the (?:{_QUALIFIER} )?{_SECRET} {_PROMPT}"
        rf"|the system prompt)\b",
        needles=_PROMPT_NEEDLES,
    ),
    CheatRule(
        "what_were_you_told",
        "prompt_extraction",
        r"\b(?:what|how) (?:were|have) you been (?:told|instructed|programmed|prompted"
        r"|configured)\b|\bwhat (?:were|was) you (?:told|instructed|programmed|prompted)\b"
        r"|\bhow (?:were|are) you (?:instructed|programmed|prompted|configured)\b",
        needles=("told", "instructed", "programmed", "prompted", "configured"),
    ),
    CheatRule(
        "repeat_text_above",
        "prompt_extraction",
        # "the above" alone is left to self-corrections ("I won't repeat the above").
        r"\b(?:repeat|print|output|show|display|copy|echo|reproduce|recite|type out|write out"
        r"|return|dump|paste)(?: me| back)?(?: all)?(?: of)? (?:(?:the |all |all the |all of the )?"
        r"(?:text|words|content|message|messages|lines|instructions|conversation|prompt)"
        r"|everything) (?:above|before this|prior to this|preceding this|that came before"
        r"|before my message|at the (?:start|beginning|top))\b"
        r"|\b(?:starting|beginning|that starts|that begins) with \"?'?you are\b"
        r"|\bwhat (?:was|is|were) (?:written|typed|stated) (?:above|before this|before my"
        r" message|at the (?:start|beginning|top))\b",
        needles=(
            "above",
            "before",
            "prior to",
            "preceding",
            "at the start",
            "at the beginning",
            "at the top",
            "you are",
        ),
    ),
    CheatRule(
        "list_the_questions",
        "prompt_extraction",
        # "tell me the questions again" re-asks a multi-part question; "all", "the list of",
        # "your" or "the remaining" ask for the plan.
        rf"\b{_either(_LIST_VERBS)}(?: me| us)(?: out)? (?:all (?:of )?(?:the |your )?"
        rf"|(?:the |your )(?:whole |full |entire |complete )?(?:list|set|bank|pool|lineup|rest)"
        rf" of (?:the |all |your |all the )?|your |the (?={_QUESTIONS_QUAL} ))"
        rf"(?:{_QUESTIONS_QUAL} ){{0,2}}questions\b"
        rf"|\blist (?:all |all of )?(?:the |your )(?:{_QUESTIONS_QUAL} ){{1,2}}questions\b"
        rf"|{_REQUEST}list (?:all|every) (?:of )?(?:the |your )?(?:{_QUESTIONS_QUAL} ){{0,2}}"
        rf"questions\b",
        needles=(
            *_each(_LIST_VERBS, " me", " us"),
            "list all",
            "list every",
            "list the",
            "list your",
        ),
    ),
    CheatRule(
        "which_questions_next",
        "prompt_extraction",
        # "how many questions are left?" is fair to ask; which ones they are is the plan.
        # "What questions would you ask a stakeholder?" is the candidate's own design question:
        # only "me", "next" or the message's end make it about this interview.
        rf"\b(?:what|which) (?:other |more |else )?questions (?:will|are|'re|'ll)"
        rf" you(?: be)?(?: (?:going|planning|gonna|about|supposed|scheduled))?(?: to)?"
        rf" (?:ask|asking|cover|covering|give|giving|include|pose)(?: me\b| next\b| later\b"
        rf"| today\b| in this interview\b|{_MESSAGE_END})"
        rf"|\bwhat questions are (?:left|remaining|coming|next|still to come|planned)\b"
        rf"|\bwhat (?:are|will be) (?:the|your) (?:(?:remaining|upcoming|next|future|planned"
        rf"|interview|following|prepared|scripted|rest of the) ){{1,2}}questions\b",
        needles=("questions",),
    ),
    # --- answer_request: asking the interviewer for answers, hints or solutions --------------
    CheatRule(
        "give_me_the_answer",
        "answer_request",
        # The recipient is required: "the API gives the answer" is an honest sentence.
        rf"\b{_either(_GIVE_VERBS)}(?: me| us)(?: just)?(?: (?:the|a|an|some|your|any|another"
        rf"|one more|a little|a small|a quick|a tiny|little|all the))?(?: {_MODS})? {_ANSWER}\b"
        rf"{_NOT_TOOL_HINT}|\bgimme (?:the |a |an |some )?{_ANSWER}\b"
        # The code itself, as a whole ask: "give me the code review" is a story.
        rf"|\b{_either(_GIVE_VERBS)}(?: me| us) (?:the|your) (?:full |complete |working |final )?"
        rf"(?:code|implementation|pseudo-?code)(?: for (?:this|it|that))?{_ASK_END}"
        rf"|\b(?:show|tell|teach) (?:me|us) how (?:to|you(?:'d| would)) (?:solve|answer|do|write"
        rf"|code|implement|approach) (?:it|this|that)\b",
        needles=(*_each((*_GIVE_VERBS, "teach"), " me", " us"), "gimme"),
    ),
    CheatRule(
        "ask_for_the_answer",
        "answer_request",
        # An imperative without "me": "please provide the solution", "could you give a hint?".
        # Opener and end are both required: "the endpoint would provide the answer" and "just
        # provide a hint in the error message" are designs.
        rf"{_REQUEST}{_either(_GIVE_VERBS)} (?:the|a|an|some|your|any|another|one more|a little"
        rf"|a small|a quick)(?: {_MODS})? {_ANSWER}(?: (?:to|for|on) (?:this|that|it|me|us"
        rf"|the question|this question|this one))?{_ASK_END}",
        needles=("answer", "solution", "hint", "clue"),
    ),
    CheatRule(
        "can_i_get_a_hint",
        "answer_request",
        # Answers and solutions only as a whole ask: "could we get a solution that scales?" is
        # design talk.
        rf"\b(?:can|could|may|might) (?:i|we) (?:please )?(?:get|have) (?:a|an|some|any|another"
        rf"|one more) (?:(?:little|small|quick|tiny) )?(?:hint|clue)s?\b{_NOT_TOOL_HINT}"
        rf"|\b(?:can|could|may|might) (?:i|we) (?:please )?(?:get|have|see|know) the"
        rf"(?: {_MODS})? (?:answer|solution)s?(?: (?:to|for) (?:this|that|it|the question"
        rf"|this question))?{_ASK_END}",
        needles=_MAY_I,
    ),
    CheatRule(
        "need_a_hint",
        "answer_request",
        rf"\b(?:i need|i want|i'd like|i would like|i could use|i'd love) (?:a|an|some|another"
        rf"|one more|a little|a small) (?:hint|clue)s?\b{_NOT_TOOL_HINT}"
        rf"|\bany (?:hints?|clues?)(?: for me| on this| here)?(?: please)? ?\?"
        rf"|\b(?:hint|clue),? please\b|^(?:a |any )?(?:hint|clue)s?(?: please)? ?[?!.]?$",
        needles=("hint", "clue"),
    ),
    CheatRule(
        "what_is_the_answer",
        "answer_request",
        # Only as the message's last words, and not embedded ("I'm not sure what's the best
        # solution"): "So what's the solution? A cache." is a rhetorical question.
        rf"\bwhat(?<!know what)(?<!sure what)(?<!wonder what)(?<!idea what)(?<!unclear what)"
        rf"(?<!about what)(?:'s| is| was| would be| should be| will be| might be)(?: the| your)"
        rf"(?: {_MODS})? (?:answer|solution)s?(?: (?:to|for|of) (?:this|that|it|the question"
        rf"|this question|that question|this one|that one|the problem|this problem|the exercise"
        rf"|this exercise))?(?: here| then)?{_MESSAGE_END}",
        needles=_each(("what",), "'s", " is", " was", " would", " should", " will", " might"),
    ),
    CheatRule(
        "tell_me_what_you_want",
        "answer_request",
        rf"\b(?:tell|show) me what (?:you(?:'re| are) looking for|you(?:'d| would)? (?:want"
        rf"|like) (?:to hear|me to (?:say|answer|write))|you(?:'re| are) expecting|you expect"
        rf"|(?:the|your)(?: {_MODS})? (?:answer|solution)s? (?:is|are|should be|would be)"
        rf"|to (?:say|answer|write|respond|put)|i should (?:say|answer|write|respond)"
        rf"|(?:'s|is) the(?: {_MODS})? (?:answer|solution))",
        needles=("me what",),
    ),
    CheatRule(
        "do_it_for_me",
        "answer_request",
        # A request opener is required: "the ORM writes the query for me" is an honest answer.
        rf"{_REQUEST}(?:write|solve|answer|do|finish|complete|code|implement|fix|debug|work out"
        rf"|figure out)(?: (?:it|this|that|them|these|those|everything|the rest|the (?:{_WORD})?"
        rf"(?:code|solution|answer|problem|question|function|query|program|algorithm|exercise"
        rf"|task|implementation)|this (?:one|problem|question|exercise|task)|that (?:one|problem"
        rf"|question)|my (?:answer|homework|code)))? for (?:me|us)\b",
        needles=("for me", "for us"),
    ),
    CheatRule(
        "can_you_solve_it",
        "answer_request",
        # Only as the message's last words: "how would you solve it? You'd use a heap." is a
        # rhetorical question inside an answer.
        rf"\b(?:can|could|would|will) you (?:please |just )?(?:write|solve|answer|code|implement"
        rf"|complete|finish) (?:it|this|that|the rest|the (?:code|solution|answer|problem"
        rf"|question|function|query|program|algorithm|exercise|task)|this (?:one|problem"
        rf"|question|exercise)|that (?:one|problem|question)|your own question)"
        rf"(?: for (?:me|us))?(?: instead)?{_MESSAGE_END}",
        needles=_YOU_ASKED,
    ),
    # --- grade_manipulation: asking the interviewer to grade, pass or mark the candidate -------
    CheatRule(
        "mark_as_passed",
        "grade_manipulation",
        r"\bmark (?:(?:all|every|each|this|that|the|these|those|my)(?: of)?(?: the| my| these"
        r"| those| this| remaining)? )?(?:\w++ )?(?:questions?|answers?|responses?|interview"
        r"|assessment|me|myself) (?:as )?(?:answered|complete|completed|done|passed|correct"
        r"|right|finished|perfect|satisfactory|successful|a pass|pass|excellent)\b",
        needles=("mark",),
    ),
    CheatRule(
        "give_me_full_marks",
        "grade_manipulation",
        r"\b(?:give|award|grant|assign) me (?:a |an |the )?(?:full|maximum|max|top|perfect"
        r"|highest|best|all the|100%|10/10|ten out of ten|passing)(?: \w++)?"
        r" ?(?:marks?|scores?|points?|grades?|ratings?|credit|pass)\b"
        r"|\b(?:give|award) me (?:a |an )?(?:10|ten|100|5|five)(?:/| out of )(?:10|ten|100|5"
        r"|five)\b|\b(?:give|award) me (?:100|a hundred) (?:points|percent)\b"
        r"|\b(?:rate|score|grade) (?:me|my (?:answers?|responses?|performance"
        r"|interview)) (?:as )?(?:a )?(?:10|ten|100|5|five|perfect|full marks|the (?:highest"
        r"|maximum|max|top|best))\b",
        needles=(
            *_each(("give", "award", "grant", "assign", "rate", "score", "grade"), " me"),
            *_each(("rate", "score", "grade"), " my"),
        ),
    ),
    CheatRule(
        "pass_me",
        "grade_manipulation",
        # "pass me the config object" is a function signature.
        r"\b(?:please|just|can you|could you|you should|you must|you have to|go ahead and"
        r"|you need to) pass me\b(?! (?:the|a|an|that|this|it|some|in|on|by|through|over|along"
        r"|around|to)\b)|\b(?:let|make) me pass (?:the|this) (?:interview|assessment|exam"
        r"|round)\b|^pass me(?: please)? ?[.!]?$",
        needles=("pass me", "me pass"),
    ),
    # --- end_early (process): ending or skipping the interview, jumping to its end ----------
    CheatRule(
        "skip_the_rest",
        "end_early",
        # "the questions" needs an opener, since "users can skip the question" is form design.
        rf"{_INTENT}skip (?:over |past )?(?:those|all|all the|all of the|all these"
        rf"|the rest of the|the remaining|the other|the rest of)(?: \w++)? questions\b(?! mark)"
        rf"|{_INTENT}skip (?:over |past )?(?:the|this|my|the whole|the rest of the)(?: \w++)?"
        rf" (?:interview{_NOT_A_PROCESS}|(?:technical|behavioral|coding|custom) (?:round"
        rf"|section|part|stage|questions))\b",
        needles=("skip",),
    ),
    CheatRule(
        "jump_to_the_end",
        "end_early",
        # An opener is required and "of" refused: "the loop skips to the end of the buffer".
        rf"{_INTENT}(?:skip|jump|fast[- ]?forward|cut|go|move|get|head)(?: straight| right"
        rf"| directly| ahead)? to the (?:very )?(?:end|finish|closing|score|wrap[- ]up|(?:last"
        rf"|final) (?:question|part|section|stage|round|one))\b(?! of\b)",
        needles=_each(
            ("to the",),
            " end",
            " finish",
            " closing",
            " score",
            " wrap",
            " last",
            " final",
            " very",
        ),
    ),
    CheatRule(
        "end_the_interview",
        "end_early",
        # The ask has to end there: "I want to finish the interview strong" and "before we close
        # this interview, one question about on-call" are not attempts. "the interview" also
        # needs an opener, because "I managed to finish the interview." is a fair story.
        rf"(?<![\w-])(?:end|stop|finish|terminate|conclude|abort|cancel|quit|exit)"
        rf" this (?:whole |entire |current )?(?:interview|assessment|exam){_ENDING_NOW}"
        rf"|{_INTENT}(?:end|stop|finish|terminate|conclude|abort|cancel|quit|exit|wrap up"
        rf"|close) (?:the|our|my)(?: whole| entire| current)? (?:interview|assessment|exam)"
        rf"{_ENDING_NOW}"
        rf"|(?<![\w-])(?:end|stop|finish|terminate|quit) interview(?: now| here| immediately"
        rf"| right now)?{_ASK_END}",
        needles=("interview", "assessment", "exam"),
    ),
    CheatRule(
        "stop_here",
        "end_early",
        # Only as the whole ask: "can we stop here and look at the logs" is a debugging story.
        r"\b(?:can|could|shall|may) we (?:please |just )?(?:stop|finish|end|wrap up|call it a day"
        r"|be done)(?: here| now| early| for today| already)?(?: please)? ?(?:[?!.]|$)"
        r"|\bi (?:want|need|would like|'d like) to (?:leave|stop|go|be done)(?: now| early"
        r"| already)?(?: please)? ?(?:[?!.]|$)",
        needles=(
            "can we",
            "could we",
            "shall we",
            "may we",
            "i want",
            "i need",
            "i would",
            "i'd like",
        ),
    ),
    # --- feedback_request (process): asking how it went, for feedback or the score ----------
    CheatRule(
        "how_am_i_doing",
        "feedback_request",
        # Asked, not told: "how did I do it? I used a heap" goes on with "it".
        r"\bhow (?:am i doing|am i performing|did i do|was i|was (?:that|my answer|my last answer)"
        r"|are my answers|is my (?:interview|performance) going|is it going for me)(?: so far"
        r"| on (?:that|this|the last)(?: one| question)?| today| overall)?(?: please)?"
        r" ?(?:[?!.]|$)",
        needles=("how am i", "how did i", "how was", "how are my", "how is my", "how is it"),
    ),
    CheatRule(
        "what_is_my_score",
        "feedback_request",
        r"\bwhat(?:'s| is| was| will be| would be) my (?:score|grade|result|rating|mark"
        r"|evaluation)s?\b"
        r"|\b(?:did|do|will|have) i (?:pass|passed|get the job|get hired)(?: (?:the|this)"
        r" (?:interview|round|question))?(?: so far)? ?(?:[?!.]|$)|\bam i passing\b",
        needles=(
            "my score",
            "my grade",
            "my result",
            "my rating",
            "my mark",
            "my evaluation",
            "i pass",
            "i passed",
            "i get",
            "am i passing",
        ),
    ),
    CheatRule(
        "give_me_feedback",
        "feedback_request",
        rf"{_REQUEST}(?:give|share|tell|send|show) me (?:some |any |your |the |my |quick )?"
        rf"(?:feedback|score|grade|results?|rating|evaluation|assessment of my)\b"
        rf"|\b(?:can|could|may) (?:i|we) (?:please )?(?:get|have|see|hear) (?:some |any |your"
        rf" |my |the |quick )?(?:feedback|score|grade|results?|rating|evaluation)\b"
        rf"|\b(?:can|could|would|will) you (?:please )?(?:rate|grade|score|evaluate|assess)"
        rf" (?:me|my (?:answers?|responses?|performance))(?: so far)?{_MESSAGE_END}",
        needles=(*_each(_GIVE_VERBS, " me"), *_MAY_I, *_YOU_ASKED),
    ),
    # --- pass_question (pass): passing on or skipping the current question -------------------
    CheatRule(
        "pass_on_this_one",
        "pass_question",
        # "can I pass the token in a header?" goes on; the ask ends at "pass (on this one)".
        r"\b(?:can|could|may|might) i (?:please |just )?pass(?: on (?:this|that|it)(?: one"
        r"| question)?)?(?: please)? ?(?:[?!.]|$)"
        r"|\bi(?:'ll| will|'d like to| would like to|'d rather| would rather| want to| wanna"
        r"| prefer to|'d prefer to| have to| need to)? (?:just |politely |respectfully )?pass"
        r" on (?:this|that|the|it)(?: one| question| topic)?(?: please)? ?(?:[?!.,]|$)"
        r"|\bi(?:'ll| will|'d like to| would like to|'d rather| want to| prefer to) (?:just )?pass"
        r"(?: please)? ?(?:[?!.]|$)"
        r"|\b(?:let me|let's) pass on (?:this|that)(?: one| question)?\b"
        r"|^(?:i )?pass(?: please)? ?[.!]?$",
        needles=("pass",),
    ),
    CheatRule(
        "skip_this_question",
        "pass_question",
        rf"\bskip(?:ping)? (?:over |past )?(?:this|these)(?: \w++)? questions?\b(?! mark)"
        rf"|\bskip(?:ping)? this one\b"
        rf"|{_INTENT}skip (?:over |past )?(?:that|the|the next|the current|my)(?: \w++)?"
        rf" question\b(?! mark)",
        needles=("skip",),
        unless=_ADMITS_GAP,
    ),
    CheatRule(
        "lets_skip",
        "pass_question",
        # Must end the ask: "let's skip the cache in that case" is a design choice.
        rf"\b(?:can|could|may) (?:we|i) (?:please |just )?skip(?: (?:it|this|that|ahead|forward"
        rf"|this one|that one))?{_ASK_END}"
        rf"|\b(?:let's|lets|let us) (?:just )?skip(?: (?:it|this|that|ahead|forward|this one"
        rf"|that one))?(?: please)? ?(?:[?!.,]|$| and)"
        rf"|^(?:please )?skip(?: (?:it|this|this one|please))?(?: please)? ?[.!]?$",
        needles=("skip",),
        unless=_ADMITS_GAP,
    ),
    CheatRule(
        "next_question",
        "pass_question",
        # "can we move on?" after "I don't know" is a knowledge gap and stays unflagged; naming
        # the next question is asking to skip this one.
        r"\b(?:move|go|skip|jump|proceed|continue|advance|head)(?: on| ahead| straight| right)?"
        r"(?: on)? to the next questions?\b(?! (?:in|of|from) )"
        r"|\bnext question,? please\b|\bplease,? next question\b"
        r"|^(?:ok,? |okay,? )?next(?: question)?(?: please)? ?[.!]?$",
        needles=("next",),
        unless=_ADMITS_GAP,
    ),
)


# --- Normalisation -----------------------------------------------------------------------------

# Invisible characters an attacker can splice into a word ("ig\u200bnore"): zero-width and
# bidi controls, soft hyphen, word joiners, BOM, Hangul fillers, variation selectors, Unicode
# tag characters (used to smuggle ASCII), and stray combining marks left after NFKC composed
# what it could ("i\u0308" becomes "ï", a lone mark on "g" does not).
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f"
    "\U000e0100-\U000e01ef\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


def _build_fold_table() -> dict[int, int]:
    """One character to one character, so offsets in the folded text are offsets in the base."""
    table: dict[int, int] = {}
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = code + 32
    # Accented Latin letters fold to their base letter ("ïgnore" is "ignore").
    for code in range(0x00C0, 0x0250):
        base = unicodedata.normalize("NFKD", chr(code))[0].lower()
        if len(base) == 1 and "a" <= base <= "z":
            table[code] = ord(base)
    # Cyrillic and Greek letters that render like Latin ones: the usual homoglyph swap.
    homoglyphs = {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ı": "i", "ɡ": "g",
        "‘": "'", "’": "'", "‛": "'", "ʼ": "'", "′": "'", "`": "'", "´": "'",
        "“": '"', "”": '"', "„": '"', "″": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }  # fmt: skip
    for src, dst in homoglyphs.items():
        table[ord(src)] = ord(dst)
        upper = src.upper()
        if len(upper) == 1 and upper != src:
            table[ord(upper)] = ord(dst)
    return table


_FOLD: Final = _build_fold_table()

# Leetspeak is mapped only inside tokens that are mostly letters ("1gn0re", "pr0mpt"), so
# numbers, versions and names like "ipv4", "s3", "k8s" or "404" keep their meaning.
_LEET: Final = str.maketrans("0134579@$", "oieastgas")
# A plain character class is scanned quickly; the letter-next-to-leet check is not, so it only
# runs on the few messages that hold a digit, "@" or "$" at all.
_LEET_CHAR = re.compile(r"[0134579@$]")
_LEET_HINT = re.compile(r"[a-z][0134579@$]|[0134579@$][a-z]")
_TOKEN = re.compile(r"[a-z0-9@$]+")


def _unleet_token(match: re.Match[str]) -> str:
    token = match.group()
    letters = sum(1 for char in token if "a" <= char <= "z")
    if letters < 2 or letters == len(token):
        return token
    return token.translate(_LEET)


def _normalise(text: str) -> tuple[str, str]:
    """Return (base, folded): the message as shown in excerpts, and the text the rules read.

    ``base`` is NFKC with invisible characters removed and whitespace collapsed. ``folded`` is
    ``base`` lowercased with homoglyphs and leetspeak undone, character for character, so a
    match's offsets in ``folded`` locate its excerpt in ``base``.
    """
    base = " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).split())
    # ASCII is the common case, and str.lower is far cheaper than a per-character table lookup.
    folded = base.lower().replace("`", "'") if base.isascii() else base.translate(_FOLD)
    if _LEET_CHAR.search(folded) and _LEET_HINT.search(folded):
        folded = _TOKEN.sub(_unleet_token, folded)
    return base, folded


def normalise_message(text: str) -> str:
    """The text the rules read, for tests and tools that want to see it.

    NFKC, invisible characters gone, lowercased, homoglyphs and leetspeak undone, whitespace
    collapsed to single spaces.
    """
    return _normalise(text)[1]


# --- Screening ---------------------------------------------------------------------------------


_Trie: TypeAlias = dict[str, "_Trie"]
"""A character trie: each key is the next character, "" marks the end of a needle."""


def _trie_pattern(needles: Iterable[str]) -> str:
    """A regex matching any of the needles, factored as a trie.

    A flat alternation of a hundred needles makes the regex engine try each one at every
    position; factored on shared prefixes, it tries roughly one per distinct first character.
    Continuations are greedy, so at a given position the longest needle there is reported.
    """
    trie: _Trie = {}
    for needle in needles:
        node = trie
        for char in needle:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _build_needle_index() -> tuple[re.Pattern[str], dict[str, frozenset[int]], frozenset[int]]:
    """One scan for every rule's needles at once, and which rules each found needle wakes.

    Where several needles start at one position the scan reports the longest; the others are
    its prefixes, so each needle also wakes the rules of its prefixes.
    """
    owners: dict[str, set[int]] = {}
    for index, rule in enumerate(RULES):
        for needle in rule.needles:
            owners.setdefault(needle, set()).add(index)
    wakes = {
        needle: frozenset().union(*(rules for n, rules in owners.items() if needle.startswith(n)))
        for needle in owners
    }
    always = frozenset(index for index, rule in enumerate(RULES) if not rule.needles)
    return re.compile(_trie_pattern(owners)), wakes, always


_NEEDLE_SCAN, _NEEDLE_WAKES, _ALWAYS_RUN = _build_needle_index()


def _excerpt(base: str, start: int, end: int) -> str:
    """Up to EXCERPT_MAX_CHARS of ``base``, centred on the span [start, end)."""
    if end - start >= EXCERPT_MAX_CHARS:
        return base[start : start + EXCERPT_MAX_CHARS].strip()
    left = max(0, start - (EXCERPT_MAX_CHARS - (end - start)) // 2)
    right = min(len(base), left + EXCERPT_MAX_CHARS)
    left = max(0, right - EXCERPT_MAX_CHARS)
    return base[left:right].strip()


def screen_message(text: str) -> CheatMatch | None:
    """Screen one candidate message; return the first rule (in ``RULES`` order) it trips.

    Returns None for an honest message. The match carries the rule's category and name and a
    short excerpt of the message around the hit, for the cheat log. Equivalent to trying
    ``rule.search`` for every rule in order, but one needle scan picks the few rules worth
    running, so an honest message costs a few microseconds.
    """
    base, folded = _normalise(text)
    woken = set(_ALWAYS_RUN)
    # Restart one past each hit rather than after it, so needles that overlap are all seen.
    found = _NEEDLE_SCAN.search(folded)
    while found is not None:
        woken |= _NEEDLE_WAKES[found.group()]
        found = _NEEDLE_SCAN.search(folded, found.start() + 1)
    for index in sorted(woken):
        rule = RULES[index]
        hit = rule._hit(folded)
        if hit is not None:
            return CheatMatch(rule.category, rule.name, _excerpt(base, hit.start(), hit.end()))
    return None
