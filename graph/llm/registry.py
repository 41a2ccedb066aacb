"""The registry: which provider serves, and the calls the interview makes through the port.

`PROVIDERS` is the one table of providers. The interview and the evaluation call the functions
below (re-exported by `graph.llm`) and never an adapter: `reply_model` for the interviewer's
words, `judge_model` for the LLM follow-up judge, `structured_model` for the evaluator,
`describe` for what the service says it runs, `classify_failure` for what an exception means.
"""

from __future__ import annotations

import logging
from typing import Any, get_args

from langchain_core.runnables import Runnable
from langgraph.constants import TAG_NOSTREAM

from graph.context import Context, ContextFields, ProviderName
from graph.llm.errors import LLMConfigError, LLMError, LLMFailure
from graph.llm.groq import GroqProvider
from graph.llm.offline import OfflineProvider
from graph.llm.openai import OpenAIProvider
from graph.llm.port import (
    DECISION_MAX_TOKENS,
    DECISION_TAG,
    REPLY_TAG,
    ChatProvider,
    ProviderInfo,
    StructuredCall,
    TaskAware,
)
from graph.state import FollowUpJudgement, InterviewSettings
from graph.tasks import ReplyTask

logger = logging.getLogger(__name__)

PROVIDERS: dict[ProviderName, ChatProvider] = {
    "groq": GroqProvider(),
    "openai": OpenAIProvider(),
    "offline": OfflineProvider(),
}
AUTO_ORDER: tuple[ProviderName, ...] = ("groq", "offline")
"""What `INTERVIEWER_LLM=auto` picks: the first provider whose configuration is complete (an
OpenAI-compatible endpoint is only ever chosen by name)."""

if set(PROVIDERS) != set(get_args(ProviderName)):  # pragma: no cover - a wiring mistake
    raise RuntimeError("graph.context.ProviderName and the registry's PROVIDERS disagree")


def resolve(context: ContextFields) -> ChatProvider:
    """The provider serving for the operator's choice in `context`.

    A provider chosen by name whose configuration is incomplete is an `LLMConfigError`: the
    service refuses to start rather than serve from something the operator did not choose.
    """
    name: ProviderName
    if context.llm == "auto":
        name = next(n for n in AUTO_ORDER if PROVIDERS[n].missing(context) is None)
    else:
        name = context.llm
    provider = PROVIDERS[name]
    problem = provider.missing(context)
    if problem:
        raise LLMConfigError(problem)
    return provider


def describe(context: ContextFields) -> ProviderInfo:
    """What /model-info, /healthz, the start-up log, reports, /sessions, history and saved
    documents say about the provider serving."""
    return resolve(context).describe(context)


def reply_model(
    context: Context, settings: InterviewSettings, task: ReplyTask
) -> Runnable[Any, Any]:
    """The model that speaks the interviewer's reply for `task`, tagged as the reply call.

    A model that plays from the task's facts (the offline one) is handed the task; a real LLM
    receives only the rendered prompt.
    """
    model: Runnable[Any, Any]
    if context.model is not None:
        model = context.model
    else:
        model = resolve(context).reply_model(context, settings)
    if isinstance(model, TaskAware):
        model = model.for_task(task)
    return model.with_config(tags=[REPLY_TAG], metadata={"reply_kind": task.kind})


def judge_model(context: Context) -> Runnable[Any, Any] | None:
    """The LLM judge of follow-ups as a structured-output runnable, or None when the provider
    has none (offline).

    Tagged `nostream` (LangGraph leaves the call out of its "messages" stream) and with
    DECISION_TAG, never REPLY_TAG: only the interviewer's words may reach a client, and the API
    forwards only the custom-stream tokens the speaking nodes write.
    """
    judge: Runnable[Any, Any] | None
    if context.model is not None:
        try:
            judge = context.model.with_structured_output(FollowUpJudgement, include_raw=True)
        except NotImplementedError:
            return None
    else:
        call = StructuredCall(FollowUpJudgement, DECISION_MAX_TOKENS, retries=False)
        judge = resolve(context).structured_model(context, call)
    if judge is None:
        return None
    return judge.with_config(
        tags=[DECISION_TAG, TAG_NOSTREAM], run_name="judge_follow_up", metadata={"internal": True}
    )


def structured_model(context: Context, call: StructuredCall) -> Runnable[Any, Any]:
    """The serving provider's model for `call` (the LLM evaluator's); an `LLMConfigError` if it
    has none: ask `describe(context).structured_output` first."""
    provider = resolve(context)
    model = provider.structured_model(context, call)
    if model is None:
        raise LLMConfigError(f"the {provider.name} provider answers no structured calls")
    return model


def classify_failure(exc: BaseException) -> LLMFailure | None:
    """What `exc` means as an LLM failure (None: it is not one, e.g. a bug or a lost lease)."""
    if isinstance(exc, LLMError):
        return exc.failure
    for provider in PROVIDERS.values():
        failure = provider.classify(exc)
        if failure is not None:
            return failure
    return None
