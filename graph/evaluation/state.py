"""The evaluator's state: the finished interview's state, plus what the evaluation builds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from graph.evaluation.evidence import Proposal
from graph.evaluation.report import GeneratedBy, Provenance, QuestionReport, Report, Usage
from graph.evaluation.transcript import QuestionTranscript
from graph.state import State


def _models(items: list[Any], model: type[BaseModel]) -> list[Any]:
    return [model.model_validate(i) if isinstance(i, dict) else i for i in items]


@dataclass(kw_only=True)
class EvaluationInput(State):
    """A finished interview's state (as the checkpoint holds it) and the session it belongs to."""

    session_id: str = ""
    """The session evaluated; defaults to the run's thread id."""


@dataclass(kw_only=True)
class EvaluationOutput:
    """What the evaluator returns: the report and its Markdown scorecard."""

    report: Report | None = None
    markdown: str = ""


@dataclass(kw_only=True)
class EvaluationState(EvaluationInput, EvaluationOutput):
    """Everything the evaluation nodes read and write."""

    questions: list[QuestionTranscript] = field(default_factory=list)
    """Every main question of the plan, with the candidate's answers on it."""

    proposals: list[Proposal] = field(default_factory=list)
    """Per answered question: what the LLM or the heuristic proposes (not yet trusted)."""

    generated_by: GeneratedBy | None = None
    """The provider whose LLM proposed the scores (`groq`, `openai`) or `offline-heuristic`."""

    model: str = ""
    """The model that proposed them (the provider's, graph.llm.ProviderInfo.model)."""

    usage: Usage = field(default_factory=Usage)
    """LLM calls and tokens of this evaluation."""

    checked: list[QuestionReport] = field(default_factory=list)
    """The questions' reports after the evidence checks."""

    provenance: Provenance | None = None
    """What proposed the scores (evaluator, prompts, code version, judge runs)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        # Studio and the LangGraph server hand state over as plain JSON.
        self.questions = _models(self.questions, QuestionTranscript)
        self.proposals = _models(self.proposals, Proposal)
        self.checked = _models(self.checked, QuestionReport)
        if isinstance(self.usage, dict):
            self.usage = Usage.model_validate(self.usage)
        if isinstance(self.provenance, dict):
            self.provenance = Provenance.model_validate(self.provenance)
        if isinstance(self.report, dict):
            self.report = Report.model_validate(self.report)
