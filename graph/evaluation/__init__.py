"""The evaluation of a finished interview: a scorecard in which every score rests on a quote.

Modules, one concern each: `transcript` (the interview grouped by main question), `heuristic`
(the offline proposer) and `judge` (the LLM proposer, through graph.llm), `evidence` (the
code's checks of a proposal), `aggregate` (skill scores, overall, recommendation), `report`
(the models), `markdown` (the scorecard), and `state`/`nodes`/`graph` (the evaluator graph).
"""
