"""Re-judging stored runs with their history: after a backfill, or after the injury log changes.

Files of a backfill arrive in any order, so a run's history-aware findings (load spike, persistent
bias, same-side recurrence) are computed once every earlier run is stored — from the stored
summaries, without decoding again. Which rules run again is what the rules declare (their stage),
so a plugin's history-aware rule is re-judged like a built-in one.
"""

from __future__ import annotations

from typing import Any

from fitglute.history.mapping import summary_from_result
from fitglute.history.store import Store
from fitglute.model.history import History
from fitglute.model.result import RunResult
from fitglute.rules import STAGE_HISTORY, NotAssessed, Rule, RuleContext, RuleSet, ruleset


def needs_history(rule: Rule) -> bool:
    return rule.stage >= STAGE_HISTORY


def rejudge(store: Store, since: str | None = None, *, batch_size: int = 250, rules: Any = None) -> int:
    """Recompute the history-aware findings of every run from ``since`` (default: the pending
    marker) with the store's full history; returns how many runs were re-judged."""
    since = since or store.pending_rejudge()
    if since is None:
        return 0
    if rules is None:
        from fitglute.plugins import rules as registered

        rules = registered()
    judging = ruleset(rules)
    history = store.history()
    items = list(store.results_since(since))
    for i in range(0, len(items), batch_size):
        with store.transaction():
            for sha, result in items[i : i + batch_size]:
                store.replace_judgement(sha, judge_again(result, history, judging))
    store.clear_rejudge(since)
    return len(items)


def judge_again(result: RunResult, history: History, judging: RuleSet) -> RunResult:
    """A stored result with its history-aware (and composite) findings recomputed.

    Findings of single-run rules are kept as stored; the history-aware rules run again on the
    run's summary, in (stage, id) order.
    """
    redo = {r.id for r in judging.rules if needs_history(r)}
    kept = [f for f in result.findings if f.rule not in redo]
    not_assessed = {k: NotAssessed(v, result.hints.get(k)) for k, v in result.not_assessed.items() if k not in redo}
    ctx = RuleContext(run=None, metrics=None, history=history, summary=summary_from_result(result), findings=kept)
    not_assessed.update(judging.judge(ctx, only=needs_history, order=lambda r: (r.stage, r.id)))
    out = RunResult.from_json(result.to_json())
    out.judged(not_assessed, ctx.findings)
    return out
