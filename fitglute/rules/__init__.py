"""Rules: evidence-graded hypotheses from a run's metrics, the runner's history and injury log.

:func:`evaluate` judges one run with a set of rules (the built-ins and every plugin's, as
:func:`fitglute.plugins.rules` collects them) after the user's threshold overrides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fitglute.model.finding import Finding, NotAssessed
from fitglute.rules.engine import STAGE_COMPOSITE, STAGE_HISTORY, STAGE_RUN, Rule, RuleContext, judge
from fitglute.rules.thresholds import disabled, resolve, rule_overrides

__all__ = [
    "STAGE_COMPOSITE",
    "STAGE_HISTORY",
    "STAGE_RUN",
    "Finding",
    "NotAssessed",
    "Rule",
    "RuleContext",
    "RuleSet",
    "evaluate",
    "ruleset",
]


@dataclass
class RuleSet:
    """The enabled rules with their thresholds after the user's overrides, ready to judge runs."""

    rules: list[Rule]
    thresholds: dict[str, dict[str, float]]
    groups: dict[str, str | None]
    sources: dict[str, str | None]

    def judge(
        self,
        ctx: RuleContext,
        *,
        only: Callable[[Rule], bool] | None = None,
        order: Callable[[Rule], Any] | None = None,
    ) -> dict[str, NotAssessed]:
        """Judge ``ctx`` with the rules (those ``only`` keeps) → {rule id: why not assessed}.

        Findings accumulate in ``ctx.findings``, most confident first.
        """
        ctx.groups = self.groups
        ctx.sources = self.sources
        chosen = [r for r in self.rules if only is None or only(r)]
        if order is not None:
            chosen.sort(key=order)
        return judge(chosen, ctx, self.thresholds)


def ruleset(rules: Mapping[str, Rule], config: dict[str, Any] | None = None) -> RuleSet:
    """The enabled ``rules`` and their thresholds; every override in the config is validated
    against all of ``rules``, so a typo is an error even for a rule that is not run."""
    overrides = rule_overrides(config)
    thresholds = resolve(dict(rules), overrides)
    off = disabled(overrides)
    groups = {r.id: r.signal_group for r in rules.values()}
    sources = {r.id: r.measured_by for r in rules.values()}
    return RuleSet([r for r in rules.values() if r.id not in off], thresholds, groups, sources)


def evaluate(
    rules: Mapping[str, Rule], ctx: RuleContext, config: dict[str, Any] | None = None
) -> dict[str, NotAssessed]:
    """Judge one run with every enabled rule → {rule id: why not assessed} (findings in ``ctx``)."""
    return ruleset(rules, config).judge(ctx)
