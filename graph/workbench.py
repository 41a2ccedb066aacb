"""The prompt engineers' workbench: render a prompt exactly as a turn would send it.

    python -m graph.prompts render technical --settings settings.json --answer "I'd add an index."
    python -m graph.prompts render follow_up --settings settings.json --answer "..." --kind clarify
    python -m graph.prompts render welcome --override my_welcome.md --reply
    python -m graph.prompts list

`--settings` is a JSON file of the hiring team's settings (the `settings` object of
`start-interview`: skills, job_position, technical_questions, custom_questions, ...). The task is
built the way the graph builds it (the skill of question N, the hiring team's question N, the
plan), rendered through the one loader (graph.prompts), and printed as the messages the LLM
receives. `--override FILE` renders FILE's text in place of `prompts/<KIND>.md`, as a per-run
override from Studio's context would; `--reply` also prints what the offline interviewer says
for the same task.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import get_args

from graph import prompts, stages
from graph.context import ContextFields
from graph.prompts import (
    PLACEHOLDERS,
    SYSTEM_PROMPT,
    PromptError,
    load_prompt,
    render_messages,
    render_prompt,
    task_values,
)
from graph.state import InterviewSettings
from graph.tasks import AnswerKind, FollowUpKind, Plan, ReplyTask

DECISION = "follow_up_decision"


def kinds() -> list[str]:
    """What the workbench renders: every reply kind (graph/stages.py), the judge, the persona."""
    return [*stages.reply_kinds(), DECISION, SYSTEM_PROMPT]


def _settings(path: Path | None) -> InterviewSettings:
    if path is None:
        return InterviewSettings()
    raw = json.loads(path.read_text(encoding="utf-8"))
    # The API's start-interview body nests them under "settings"; accept both shapes.
    if isinstance(raw, dict) and isinstance(raw.get("settings"), dict):
        raw = raw["settings"]
    return InterviewSettings.model_validate(raw)


def build_task(
    kind: str,
    settings: InterviewSettings,
    *,
    answer: str = "",
    number: int = 1,
    follow_up_kind: FollowUpKind | None = None,
    answer_kind: AnswerKind | None = None,
    asked: Sequence[str] = (),
) -> ReplyTask:
    """The ReplyTask the graph would build for `kind` at question `number` of `settings`, with
    the operator's default counts (personal questions, follow-ups)."""
    skills = [s.strip() for s in settings.skills if s.strip()]
    reply_kind = "follow_up" if kind in (DECISION, SYSTEM_PROMPT) else kind
    row = stages.find(reply_kind)
    counts = stages.counts_for(settings)
    sizes = counts | {"follow_up": ContextFields.model_fields["max_follow_ups"].default}
    skill = skills[(number - 1) % len(skills)] if skills else ""
    question = ""
    given = row.given.questions(settings) if row is not None and row.given else []
    if given:
        question = given[(number - 1) % len(given)]
    elif reply_kind in stages.FOLLOW_UP_KINDS:
        question = asked[-1] if asked else f"(the main question on {skill or 'the skill'})"
    on_skills = sum(counts[r.name] for r in stages.main_stages() if r.topic == "skill")
    skill_plan = [skills[i % len(skills)] for i in range(on_skills)] if skills else []
    on_skill = reply_kind in stages.FOLLOW_UP_KINDS or (row is not None and row.topic == "skill")
    words = len(answer.split())
    return ReplyTask(
        kind=reply_kind,
        candidate_name=settings.candidate_name,
        job_position=settings.job_position,
        job_description=settings.job_description,
        skills=settings.skills,
        number=number,
        of=sizes.get(reply_kind, 0),
        skill=skill if on_skill else "",
        question=question,
        last_answer=answer,
        follow_up_kind=follow_up_kind or ("deeper" if reply_kind == "follow_up" else None),
        answer_kind=answer_kind or ("none" if not answer else "short" if words < 8 else "answer"),
        asked=list(asked),
        plan=Plan(counts=counts, skills=list(dict.fromkeys(skill_plan))),
    )


def render(kind: str, task: ReplyTask, overrides: dict[str, str] | None = None) -> str:
    """The prompt(s) for `kind` as the LLM receives them, one block per message."""
    if kind == DECISION:
        return "=== human ===\n" + render_prompt(DECISION, task_values(task), overrides)
    if kind == SYSTEM_PROMPT:
        return "=== system ===\n" + render_prompt(SYSTEM_PROMPT, task_values(task), overrides)
    messages = render_messages(task, overrides)
    return "\n\n".join(f"=== {m.type} ===\n{m.content}" for m in messages)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m graph.prompts", description="Render interviewer prompts as sent."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("render", help="print the rendered prompt of one kind")
    show.add_argument("kind", choices=kinds())
    show.add_argument("--settings", type=Path, help="JSON file of the interview settings")
    show.add_argument("--answer", default="", help="the candidate's last answer")
    show.add_argument("--number", type=int, default=1, help="question number within its stage")
    show.add_argument("--kind", dest="follow_up_kind", choices=get_args(FollowUpKind))
    show.add_argument("--answer-kind", choices=get_args(AnswerKind))
    show.add_argument("--asked", action="append", default=[], help="a question already asked")
    show.add_argument("--override", type=Path, help="render this file in place of the prompt")
    show.add_argument("--reply", action="store_true", help="also print the offline reply")
    sub.add_parser("list", help="the prompt kinds and the placeholders they may use")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        print(f"prompts directory: {prompts.PROMPTS_DIR}")
        for kind in kinds():
            try:
                _, names = load_prompt(stages.prompt_of(kind))
                used = ", ".join(sorted(names)) or "(none)"
            except PromptError as exc:
                used = f"ERROR: {exc}"
            print(f"  {kind:<20} {used}")
        print("placeholders: " + ", ".join(f"{k} (<= {v} chars)" for k, v in PLACEHOLDERS.items()))
        return 0
    try:
        settings = _settings(args.settings)
        task = build_task(
            args.kind,
            settings,
            answer=args.answer,
            number=max(args.number, 1),
            follow_up_kind=args.follow_up_kind,
            answer_kind=args.answer_kind,
            asked=args.asked,
        )
        overrides = (
            {stages.prompt_of(args.kind): args.override.read_text(encoding="utf-8")}
            if args.override
            else None
        )
        print(render(args.kind, task, overrides))
    except (PromptError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.reply and args.kind not in (DECISION, SYSTEM_PROMPT):
        from graph.llm.offline import render_reply

        print(f"\n=== offline reply ===\n{render_reply(task)}")
    return 0
