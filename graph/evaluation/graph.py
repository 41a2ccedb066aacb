"""The evaluator, assembled: a separate graph from the interview (`evaluator` in langgraph.json).

Input: a finished interview's state. Output: the report and its Markdown scorecard. It has no
checkpointer and no interrupts: it runs once, in the background, after an interview ends.
"""

from __future__ import annotations

import dataclasses

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

EvaluationGraph = CompiledStateGraph[EvaluationState, Context, EvaluationInput, EvaluationOutput]


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
    return builder.compile(name="Evaluator")


evaluation_graph = build_evaluation_graph()
