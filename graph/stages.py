"""The stage plan: one table of what each stage of the interview is, in order.

Every row (`StageSpec`) says where a stage sits, how many questions it has and where that number
comes from, what happens after an answer in it, what people see it called, which prompt speaks
it and which node asks its questions. Everything else reads this table: routing and the nodes
(graph/routing.py, graph/nodes.py), the follow-up rules (graph/follow_up.py), the plan line of
the prompts (graph/prompts.py), the offline interviewer's overview
(graph/llm/offline/composers.py), the prompt workbench (graph/workbench.py), the evaluation
transcript (graph/evaluation/transcript.py) and the admin console's stage names (served as
/app/stages.js).

Stage names are plain strings checked against this table (`StageName`, `MainStageName`,
`ReplyKindName`): a name the table does not hold is refused where it enters a model.

Adding a stage is one row here, one prompt file and, only if it speaks differently, one node:
docs/CHANGING.md, "Add a stage".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, cast

from pydantic import AfterValidator, WithJsonSchema

from graph.context import ContextFields

if TYPE_CHECKING:
    from graph.state import InterviewSettings, State


# --- where a stage's count comes from --------------------------------------------------------


@dataclass(frozen=True)
class HiringTeamCount:
    """The hiring team chooses the count per session: an integer field of InterviewSettings."""

    field: str

    def of(self, settings: InterviewSettings) -> int:
        return int(getattr(settings, self.field))


@dataclass(frozen=True)
class HiringTeamQuestions:
    """The hiring team writes the questions themselves: a list field of InterviewSettings, asked
    in order with their meaning kept; the count is the list's length."""

    field: str

    def questions(self, settings: InterviewSettings) -> list[str]:
        return list(getattr(settings, self.field) or [])

    def of(self, settings: InterviewSettings) -> int:
        return len(self.questions(settings))


@dataclass(frozen=True)
class OperatorCount:
    """The operator chooses the count (a field of ContextFields, so `INTERVIEWER_<FIELD>`); it is
    kept in the state field `kept_in` when the interview begins, so a change of configuration
    never changes an interview under way."""

    field: str
    kept_in: str

    @property
    def default(self) -> int:
        return int(ContextFields.model_fields[self.field].default)


@dataclass(frozen=True)
class Fixed:
    """The same count in every interview."""

    n: int

    def of(self, settings: InterviewSettings) -> int:
        return self.n


Count = HiringTeamCount | HiringTeamQuestions | OperatorCount | Fixed

FollowUpRule = Literal["cross_question", "redirect_only", "none"]
"""After an answer in the stage: `cross_question` (decide_follow_up may probe it with follow-ups,
up to `max_follow_ups`, or bring an off-topic answer back once), `redirect_only` (an off-topic
answer is brought back once, nothing is probed), `none` (the plan moves on)."""

Topic = Literal["skill", "work"]
"""What the stage's questions are about. `skill`: the settings' skills, one per question in
turn; an answer is on topic when it speaks of the question, the skill or technical things.
`work`: the candidate's experience; on topic when it speaks of the question or of work in
general. A stage with a topic has its off-topic answers noticed, and a new question of it is
kept from repeating the earlier ones of its sort (same stage, same skill)."""

QuestionNode = Literal["ask_question"]
"""The nodes that ask a main question. `ask_question` speaks for every main stage from its row;
a stage that speaks differently names its own node in its row and here (graph/graph.py
registers it and the routes go to it)."""

FOLLOW_UP_KINDS: tuple[str, ...] = ("follow_up", "redirect")
"""Reply kinds that are not stages: a cross-question on the current main question, and an
off-topic answer brought back to it (prompts/follow_up.md, prompts/redirect.md)."""


@dataclass(frozen=True)
class StageSpec:
    """One stage of the interview. Its order is its position in `STAGES`."""

    name: str
    """The stage's name in the state (`State.stage`), message labels, the API and reports."""
    label: str
    """What people see: the admin console's transcript tags and report titles."""
    node: str | None = "ask_question"
    """The node that speaks for the stage (None: the stage says nothing)."""
    prompt: str | None = None
    """prompts/<prompt>.md: what the LLM is asked when the stage speaks. The reply task's kind is
    the stage's name; None: the stage has no reply of its own."""
    count: Count | None = None
    """Where the number of its questions comes from (None: it asks no counted questions)."""
    main: bool = False
    """Its questions are main questions: counted in `questions_asked` and
    `total_expected_questions`, asked by a question node in table order, scored in reports."""
    noun: str = ""
    """One of its questions in words, with the word "question" in it: the plan announced to the
    candidate ("two behavioral questions") and the prompts' plan line ("2 behavioral")."""
    follow_up: FollowUpRule = "none"
    """What an answer in the stage gets (see FollowUpRule)."""
    topic: Topic | None = None
    """What its questions are about (see Topic); None: nothing is judged off topic."""

    @property
    def given(self) -> HiringTeamQuestions | None:
        """The hiring team's own questions, when the stage asks those."""
        return self.count if isinstance(self.count, HiringTeamQuestions) else None

    @property
    def plan_words(self) -> str:
        """The noun without "question", for a count in the prompts' plan line."""
        return " ".join(word for word in self.noun.split() if word != "question")


STAGES: tuple[StageSpec, ...] = (
    StageSpec(name="welcome", label="Welcome", node="greet_candidate", prompt="welcome"),
    StageSpec(
        name="personal",
        label="Personal",
        node="ask_personal_question",
        prompt="personal",
        count=OperatorCount("personal_questions", kept_in="personal_planned"),
        noun="question on their interest in the role",
        topic="work",
    ),
    StageSpec(
        name="behavioral",
        label="Behavioral",
        prompt="behavioral",
        count=HiringTeamCount("behavioral_questions"),
        main=True,
        noun="behavioral question",
        follow_up="redirect_only",
        topic="work",
    ),
    StageSpec(
        name="technical",
        label="Technical",
        prompt="technical",
        count=HiringTeamCount("technical_questions"),
        main=True,
        noun="technical question",
        follow_up="cross_question",
        topic="skill",
    ),
    StageSpec(
        name="custom",
        label="Custom",
        prompt="custom",
        count=HiringTeamQuestions("custom_questions"),
        main=True,
        noun="question from the hiring team",
    ),
    StageSpec(name="closing", label="Closing", node="close_interview", prompt="closing"),
    StageSpec(name="done", label="Done", node=None),
)
"""The interview's stages in order. The opening (welcome, personal) and the end (closing, done)
have nodes of their own; the main stages between them are asked in this order."""


class StagePlanError(ValueError):
    """The stage table contradicts itself."""


def check(table: tuple[StageSpec, ...]) -> None:
    """Refuse a table the rest of the code could not follow, saying which row and why."""
    names = [row.name for row in table]
    if len(set(names)) != len(names):
        raise StagePlanError(f"stage names must be unique: {names}")
    clashes = set(names) & set(FOLLOW_UP_KINDS)
    if clashes:
        raise StagePlanError(f"{sorted(clashes)} are follow-up reply kinds, not stage names")
    if sum(row.topic == "skill" for row in table) > 1:
        raise StagePlanError("only one stage may take the skills in turn (topic 'skill')")
    for row in table:
        where = f"stage {row.name!r}"
        if row.main:
            if row.node is None:
                raise StagePlanError(f"{where}: a main stage needs a node to ask its questions")
            if row.node == "ask_question" and row.prompt is None:
                raise StagePlanError(f"{where}: ask_question speaks from the stage's prompt")
            if row.count is None or isinstance(row.count, OperatorCount):
                # total_expected_questions is known when the session is created, before any
                # operator context exists: a main count comes from the settings or is fixed.
                raise StagePlanError(f"{where}: a main count comes from the settings or is fixed")
        if row.count is not None and row.noun.split().count("question") != 1:
            raise StagePlanError(f"{where}: its noun must say 'question' once: {row.noun!r}")
        if row.follow_up != "none" and row.topic is None:
            raise StagePlanError(f"{where}: an answer can only be off topic if it has a topic")
        if row.given is not None and row.topic is not None:
            raise StagePlanError(f"{where}: the hiring team's own questions have no topic of ours")


@dataclass(frozen=True)
class _Index:
    table: tuple[StageSpec, ...]
    by_name: Mapping[str, StageSpec]
    main: tuple[StageSpec, ...]


_indexed: _Index | None = None


def _index() -> _Index:
    # Every lookup reads `STAGES` when called, so a table replaced at run time (a test adding a
    # row) is the table everything follows; it is checked and indexed once per table.
    global _indexed
    table = STAGES
    if _indexed is None or _indexed.table is not table:
        check(table)
        by_name = {row.name: row for row in table}
        _indexed = _Index(table, by_name, tuple(row for row in table if row.main))
    return _indexed


def rows() -> tuple[StageSpec, ...]:
    """The stage table, in order."""
    return _index().table


def stage(name: str) -> StageSpec:
    """The row of stage `name`."""
    try:
        return _index().by_name[name]
    except KeyError:
        raise ValueError(f"unknown stage {name!r}; the stages are {names()}") from None


def find(name: str) -> StageSpec | None:
    """The row of stage `name`, or None for a name that is not a stage (a follow-up kind)."""
    return _index().by_name.get(name)


def names() -> list[str]:
    return [row.name for row in rows()]


def main_stages() -> tuple[StageSpec, ...]:
    """The stages of the main questions, in the order they are asked."""
    return _index().main


def main_names() -> list[str]:
    return [row.name for row in main_stages()]


def is_main(name: str) -> bool:
    row = find(name)
    return row is not None and row.main


def reply_kinds() -> list[str]:
    """Every kind of interviewer reply: the stages that speak, then the follow-up kinds."""
    return [row.name for row in rows() if row.prompt is not None] + list(FOLLOW_UP_KINDS)


def prompt_of(kind: str) -> str:
    """The prompt file (without .md) a reply of `kind` is rendered from."""
    row = find(kind)
    if row is None:
        return kind
    if row.prompt is None:
        raise ValueError(f"stage {kind!r} has no prompt: it does not speak")
    return row.prompt


def follow_up_rule(name: str) -> FollowUpRule:
    row = find(name)
    return row.follow_up if row is not None else "none"


def topic_of(name: str) -> Topic | None:
    row = find(name)
    return row.topic if row is not None else None


def labels() -> dict[str, str]:
    """Stage name to what people see, in order (the admin console's names)."""
    return {row.name: row.label for row in rows()}


# --- counts ----------------------------------------------------------------------------------


def _of_settings(count: Count, settings: InterviewSettings) -> int:
    if isinstance(count, OperatorCount):
        return count.default
    return count.of(settings)


def main_question_count(settings: InterviewSettings) -> int:
    """How many main questions an interview with `settings` asks (`check` keeps operator counts
    out of the main stages, so the settings alone decide)."""
    return sum(_of_settings(row.count, settings) for row in main_stages() if row.count)


def planned(row: StageSpec, state: State) -> int:
    """How many questions stage `row` has in the interview `state` belongs to."""
    if row.count is None:
        return 0
    if isinstance(row.count, OperatorCount):
        return int(getattr(state, row.count.kept_in))
    return row.count.of(state.settings)


def planned_counts(state: State) -> dict[str, int]:
    """Questions per stage in the interview `state` belongs to (stages that count, in order)."""
    return {row.name: planned(row, state) for row in rows() if row.count is not None}


def counts_for(settings: InterviewSettings) -> dict[str, int]:
    """Questions per stage for `settings` with the operator's defaults (the workbench's plan)."""
    return {row.name: _of_settings(row.count, settings) for row in rows() if row.count is not None}


def empty_plan() -> dict[str, int]:
    """Questions per stage when the hiring team asked for none: the operator's defaults and the
    fixed counts (the default of `graph.tasks.Plan`)."""
    return {
        row.name: row.count.default if isinstance(row.count, OperatorCount) else row.count.n
        for row in rows()
        if isinstance(row.count, OperatorCount | Fixed)
    }


def next_main_question(state: State) -> tuple[str, int, int]:
    """Stage, 0-based index within it, and the stage's size for the next main question: the
    main stages in table order, each for its count."""
    position = state.questions_asked
    for row in main_stages():
        size = planned(row, state)
        if position < size:
            return row.name, position, size
        position -= size
    raise ValueError("no main question left: the interview should be closing")


def question_node(state: State) -> QuestionNode:
    """The node that asks the next main question."""
    return cast(QuestionNode, stage(next_main_question(state)[0]).node)


# --- names as types --------------------------------------------------------------------------


def _known(allowed: Callable[[], list[str]], what: str) -> AfterValidator:
    def validate(name: str) -> str:
        if name not in allowed():
            raise ValueError(f"unknown {what} {name!r}; expected one of {allowed()}")
        return name

    return AfterValidator(validate)


def _enum(values: list[str]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": values})


StageName = Annotated[str, _known(names, "stage"), _enum(names())]
"""A stage's name (checked against the table when a model is validated)."""
MainStageName = Annotated[str, _known(main_names, "main stage"), _enum(main_names())]
"""The name of a stage of main questions."""
ReplyKindName = Annotated[str, _known(reply_kinds, "reply kind"), _enum(reply_kinds())]
"""The kind of an interviewer reply: a stage that speaks, or a follow-up kind."""


_index()  # a contradictory table fails on import, not in the middle of an interview
