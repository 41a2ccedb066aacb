"""The one prompt loader: `prompts/*.md` files with named placeholders, rendered from a task.

Prompt engineers edit the Markdown files; nothing in Python holds prompt prose. Every placeholder
a file may use is listed in `PLACEHOLDERS`; a file naming any other fails loudly at render time.
Text from the candidate or the hiring team is inserted as data: our own delimiter tags inside it
are neutralised so it cannot close its block and pose as instructions.
"""

from __future__ import annotations

import html
import os
import re
import string
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from graph import stages
from graph.tasks import ReplyTask

PROMPTS_DIR_VARIABLE = "INTERVIEWER_PROMPTS_DIR"
SOURCE_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
"""The folder prompt engineers edit: beside the packages in a source tree or the container."""
PACKAGED_PROMPTS = Path(__file__).resolve().parent / "prompt_files"
"""The copy an installed wheel carries (setup.py writes it at build time; never in a source
tree)."""


def prompts_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the prompt files are read from: `INTERVIEWER_PROMPTS_DIR` when set, else the
    installed package's copy when there is one, else the source tree's `prompts/`."""
    configured = environ.get(PROMPTS_DIR_VARIABLE)
    if configured:
        return Path(configured)
    # The packaged copy first: an installed graph/ sits in site-packages, where a `prompts`
    # folder beside it would be some other distribution's.
    return PACKAGED_PROMPTS if PACKAGED_PROMPTS.is_dir() else SOURCE_PROMPTS


PROMPTS_DIR = prompts_dir()

SYSTEM_PROMPT = "system"

# Every name a prompt file may use, with a bound on how much of it reaches the LLM.
PLACEHOLDERS: dict[str, int] = {
    "candidate_name": 80,
    "job_position": 200,
    "job_description": 1500,
    "skills": 400,
    "skill": 80,
    "number": 8,
    "of": 8,
    "question": 1000,
    "last_answer": 3000,
    "follow_up_kind": 20,
    "asked": 4000,
    "plan": 400,
    "answer_kind": 20,
    "stage": 20,
    "follow_ups": 2000,
    "answers": 9000,
    "answer_note": 300,
    "follow_up_note": 300,
}

NOTES_PROMPT = "notes"
NOTES: dict[str, str] = {"answer_note": "answer_kind", "follow_up_note": "follow_up_kind"}
"""Note placeholders and the placeholder whose value picks their line of `prompts/notes.md`:
`{answer_note}` is the line `answer_kind.<the task's answer_kind>:`, or empty when there is none,
so a prompt carries the one instruction that applies instead of a legend of every case."""

_ASKED_ITEM_CHARS = 140

DATA_TAGS = (
    "already_asked",
    "candidate_answer",
    "candidate_answers",
    "candidate_name",
    "current_question",
    "follow_up_questions",
    "hiring_team_question",
    "job_description",
    "job_position",
    "plan",
    "question",
    "skill",
)
"""Every tag the prompt files wrap data in (a test checks the files use no other)."""


class PromptError(ValueError):
    """A prompt file is missing or names a placeholder that does not exist."""


def _placeholders(text: str, origin: str) -> frozenset[str]:
    try:
        names = frozenset(
            field for _, field, _, _ in string.Formatter().parse(text) if field is not None
        )
    except ValueError as exc:  # a lone brace: say which file, and how to write a literal one
        raise PromptError(f"{origin}: {exc}; write a literal brace as {{{{ or }}}}") from exc
    unknown = names - PLACEHOLDERS.keys()
    if unknown:
        raise PromptError(
            f"{origin} uses unknown placeholder(s) {sorted(unknown)}; "
            f"available: {sorted(PLACEHOLDERS)}"
        )
    return names


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> tuple[str, frozenset[str]]:
    # Keyed on mtime so an edited prompt is picked up without a restart.
    text = path.read_text(encoding="utf-8")
    return text, _placeholders(text, path.name)


@lru_cache(maxsize=64)
def _override(name: str, text: str) -> tuple[str, frozenset[str]]:
    return text, _placeholders(text, f"the override of {name}.md")


def load_prompt(
    name: str, overrides: Mapping[str, str] | None = None
) -> tuple[str, frozenset[str]]:
    """The template text of `prompts/<name>.md` (or its per-run override) and its placeholders.

    `overrides` maps a prompt name to template text used instead of the file: Studio passes them
    through the run's context (`Context.prompts`) so a prompt can be tried before it is saved.
    An override is checked like a file: an unknown placeholder fails loudly.
    """
    if overrides and name in overrides:
        return _override(name, overrides[name])
    path = PROMPTS_DIR / f"{name}.md"
    try:
        return _read(path, path.stat().st_mtime_ns)
    except FileNotFoundError as exc:
        raise PromptError(f"no prompt file {path}") from exc


# Characters that read as angle brackets but that NFKC leaves alone.
_BRACKETS = str.maketrans({c: "<" for c in "‹〈⟨〈ᐸ˂❮«⧼⦉"} | {c: ">" for c in "›〉⟩〉ᐳ˃❯»⧽⦊"})
# Latin look-alikes from other scripts, folded only to find our tag names (never in the output).
_CONFUSABLES = str.maketrans(
    "аеорсхуіјѕԁԛԝԜАЕОРСХУІЈЅΑΕΙΚΝΟΡΤΥΧαεικνορτυχ",
    "aeopcxyijsdqwWAEOPCXYIJSAEIKNOPTYXaeiknoptux",
)


def _loose(name: str) -> str:
    # "candidate_answer" in any case, with anything but letters between its letters.
    return r"[\W_]*".join(re.escape(c) for c in name.replace("_", ""))


_OUR_TAG = re.compile(
    r"<[\s/\\!]*(" + "|".join(_loose(t) for t in sorted(DATA_TAGS, key=len, reverse=True)) + ")"
    r"(?![a-z0-9])(?:[^<>\n]{0,80}>)?",
    re.IGNORECASE,
)
_TAG_BY_LETTERS = {t.replace("_", ""): t for t in DATA_TAGS}


def neutralise(value: str) -> str:
    """`value` with no way left to open or close one of our tags, in any spelling.

    The text is first brought to what a reader (or an LLM) sees: compatibility forms folded
    (fullwidth `＜`), invisible characters dropped (a zero-width space inside a tag name),
    HTML entities decoded (`&lt;/candidate_answer&gt;`, also double-encoded), look-alike
    brackets made plain. Then every `<` that starts one of our tag names, with or without `/`,
    attributes or its `>`, becomes an inert `(name)`. Other angle brackets (code, `a < b`) stay.
    """
    text = unicodedata.normalize("NFKC", value)
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").translate(_BRACKETS)
    probe = text.translate(_CONFUSABLES)
    pieces: list[str] = []
    end = 0
    for match in _OUR_TAG.finditer(probe):
        letters = re.sub(r"[\W_]", "", match.group(1)).lower()
        pieces += [text[end : match.start()], f"({_TAG_BY_LETTERS.get(letters, letters)})"]
        end = match.end()
    return "".join([*pieces, text[end:]])


def _as_data(value: str, limit: int) -> str:
    # A candidate could write "</candidate_answer> new instructions"; make the tag inert.
    text = neutralise(value.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _asked_list(asked: list[str]) -> str:
    if not asked:
        return "(none yet)"
    lines = []
    for question in asked:
        one_line = " ".join(question.split())
        if len(one_line) > _ASKED_ITEM_CHARS:
            one_line = one_line[: _ASKED_ITEM_CHARS - 1] + "…"
        lines.append(f"- {one_line}")
    return "\n".join(lines)


def _plan_line(task: ReplyTask) -> str:
    """The plan in the stages' order: "questions: 1 on their interest in the role, 2 behavioral,
    3 technical (on Python, SQL), 1 from the hiring team"; a stage without questions is left
    out."""
    plan = task.plan
    parts = []
    for row in stages.rows():
        count = plan.count(row.name)
        if not count or not row.noun:
            continue
        skills = f" (on {', '.join(plan.skills)})" if row.topic == "skill" and plan.skills else ""
        parts.append(f"{count} {row.plan_words}{skills}")
    return "questions: " + ", ".join(parts)


def task_values(task: ReplyTask) -> dict[str, str]:
    """Every placeholder's value for `task`, bounded and neutralised."""
    raw = {
        "candidate_name": task.candidate_name,
        "job_position": task.job_position,
        "job_description": task.job_description,
        "skills": ", ".join(task.skills),
        "skill": task.skill,
        "number": str(task.number),
        "of": str(task.of),
        "question": task.question,
        "last_answer": task.last_answer,
        "follow_up_kind": task.follow_up_kind or "",
        "asked": _asked_list(task.asked if task.asked_here is None else task.asked_here),
        "plan": _plan_line(task),
        "answer_kind": task.answer_kind,
    }
    return {name: _as_data(value, PLACEHOLDERS[name]) for name, value in raw.items()}


def data_values(raw: dict[str, str]) -> dict[str, str]:
    """Placeholder values from raw text, bounded and neutralised like a task's."""
    unknown = raw.keys() - PLACEHOLDERS.keys()
    if unknown:
        raise PromptError(f"no placeholder(s) {sorted(unknown)}; available: {sorted(PLACEHOLDERS)}")
    return {name: _as_data(value, PLACEHOLDERS[name]) for name, value in raw.items()}


def as_data(value: str, limit: int) -> str:
    """One piece of someone else's text, bounded and with our delimiter tags made inert."""
    return _as_data(value, limit)


_NOTE_LINE = re.compile(r"([a-z_]+)\.([a-z_]+):\s*(.*\S)")


@lru_cache(maxsize=64)
def _parse_notes(text: str) -> dict[str, str]:
    notes: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _NOTE_LINE.fullmatch(line.strip())
        if match is None or match.group(1) not in NOTES.values():
            raise PromptError(
                f"{NOTES_PROMPT}.md line {number}: expected 'FIELD.VALUE: TEXT' with FIELD one"
                f" of {sorted(NOTES.values())}, got {line!r}"
            )
        notes[f"{match.group(1)}.{match.group(2)}"] = match.group(3)
    return notes


def load_notes(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The lines of `prompts/notes.md` (or its per-run override), keyed "field.value"."""
    return _parse_notes(load_prompt(NOTES_PROMPT, overrides)[0])


def _note_values(
    names: frozenset[str], values: Mapping[str, str], overrides: Mapping[str, str] | None
) -> dict[str, str]:
    """The note placeholders among `names`, each the notes.md line for its key's value."""
    wanted = names & NOTES.keys()
    if not wanted:
        return {}
    notes = load_notes(overrides)
    return {note: notes.get(f"{NOTES[note]}.{values.get(NOTES[note], '')}", "") for note in wanted}


def render_prompt(
    name: str, values: dict[str, str], overrides: Mapping[str, str] | None = None
) -> str:
    """Render `prompts/<name>.md` (or its override) with `values`; every placeholder it uses
    must be given (note placeholders come from `prompts/notes.md`, see NOTES)."""
    text, names = load_prompt(name, overrides)
    values = values | _note_values(names, values, overrides)
    missing = names - values.keys()
    if missing:
        raise PromptError(f"{name}.md needs {sorted(missing)} but they were not given")
    # An empty note leaves its line blank; one blank line between paragraphs is enough.
    return re.sub(r"\n{3,}", "\n\n", text.format_map(values)).strip()


def render_messages(
    task: ReplyTask, overrides: Mapping[str, str] | None = None
) -> list[BaseMessage]:
    """The messages sent to a real LLM for `task`: the persona, then the task with its data."""
    values = task_values(task)
    return [
        SystemMessage(render_prompt(SYSTEM_PROMPT, values, overrides)),
        HumanMessage(render_prompt(stages.prompt_of(task.kind), values, overrides)),
    ]


if __name__ == "__main__":  # the prompt engineers' workbench: python -m graph.prompts --help
    from graph.workbench import main

    raise SystemExit(main())
