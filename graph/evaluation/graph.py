"""The evaluator, assembled: a separate graph from the interview (`evaluator` in langgraph.json).

Input: a finished interview's state. Output: the report and its Markdown scorecard. It has no
checkpointer and no interrupts: it runs once, in the background, after an interview ends.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Self, cast

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.context import Context
from graph.evaluation.nodes import (
    aggregate_scores,
    check_evidence,
    collect_answers,
    propose_scores,
    render_scorecard,
)
from graph.evaluation.state import EvaluationInput, EvaluationOutput, EvaluationState
from graph.state import State


class EvaluationGraph(
    CompiledStateGraph[EvaluationState, Context, EvaluationInput, EvaluationOutput]
):
    """The compiled evaluator, whose copies keep our types on the strict-msgpack allowlist.

    The LangGraph API server copies a graph for every run, and langgraph 1.2's `copy()` drops
    the allowlist `compile()` derived from the state's models (see graph.graph.InterviewGraph).
    """

    def copy(self, update: dict[str, Any] | None = None) -> Self:
        clone = super().copy(update)
        clone._serde_allowlist = self._serde_allowlist
        return clone


def evaluation_input(state: State, session_id: str) -> EvaluationInput:
    """The evaluator's input for a finished interview's state."""
    values = {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}
    return EvaluationInput(**values, session_id=session_id)


def build_evaluation_graph() -> EvaluationGraph:
    builder = StateGraph(
        EvaluationState,
        input_schema=EvaluationInput,
        output_schema=EvaluationOutput,
        context_schema=Context,
    )
    builder.add_node(collect_answers)
    builder.add_node(propose_scores)
    builder.add_node(check_evidence)
    builder.add_node(aggregate_scores)
    builder.add_node(render_scorecard)
    builder.add_edge(START, "collect_answers")
    builder.add_edge("collect_answers", "propose_scores")
    builder.add_edge("propose_scores", "check_evidence")
    builder.add_edge("check_evidence", "aggregate_scores")
    builder.add_edge("aggregate_scores", "render_scorecard")
    builder.add_edge("render_scorecard", END)
    compiled = builder.compile(name="Evaluator")
    compiled.__class__ = EvaluationGraph  # same object, only `copy` differs
    return cast(EvaluationGraph, compiled)


evaluation_graph = build_evaluation_graph()
