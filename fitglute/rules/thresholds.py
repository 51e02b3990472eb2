"""Rule thresholds: defaults live on each rule (with their sources); the user's TOML overrides.

Config format (``config.toml`` in the config dir)::

    [rules.gct-balance-bias]
    notable_pts = 1.0

    [rules.fatigue-drift]
    enabled = false

Unknown rules or keys, non-numbers and out-of-range values are a :class:`ConfigError` naming the
file, the rule and the key — a typo must never silently fall back to the default.
"""

from __future__ import annotations

from typing import Any

from fitglute.config import ConfigError, config_path, load_config
from fitglute.rules.engine import Rule

#: thresholds a release removed, with what replaced them: a config that still sets one is told
#: why, not only that the key is unknown
RETIRED: dict[tuple[str, str], str] = {
    ("posterior-chain-overload", "min_signal_confidence"): "the composite now needs signals of at least "
    "min_signal_clarity from min_sources different measurement sources",
    ("posterior-chain-overload", "combine_weight"): "the composite's confidence is now capped by max_confidence",
}


def rule_overrides(config: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    cfg = load_config() if config is None else config
    rules = cfg.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{config_path()}: [rules] must be a table")
    return rules


def resolve(rules: dict[str, Rule], overrides: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Thresholds per rule id after overrides; validates every override against the rule."""
    out = {rid: {k: t.value for k, t in r.thresholds.items()} for rid, r in rules.items()}
    for rid, table in overrides.items():
        where = f"{config_path()}: [rules.{rid}]"
        if rid not in rules:
            raise ConfigError(f"{where}: unknown rule (known: {', '.join(sorted(rules))})")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table of threshold = number")
        for key, value in table.items():
            if key == "enabled":
                if not isinstance(value, bool):
                    raise ConfigError(f"{where}: enabled must be true or false")
                continue
            spec = rules[rid].thresholds.get(key)
            if spec is None:
                known = ", ".join(sorted(rules[rid].thresholds)) or "none"
                if (rid, key) in RETIRED:
                    raise ConfigError(f"{where}: {key} was removed: {RETIRED[rid, key]}; delete the line")
                raise ConfigError(f"{where}: unknown threshold {key!r} (known: {known})")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}: {key} must be a number, got {value!r}")
            if (spec.minimum is not None and value < spec.minimum) or (
                spec.maximum is not None and value > spec.maximum
            ):
                raise ConfigError(f"{where}: {key} = {value} is outside {spec.minimum}–{spec.maximum}")
            out[rid][key] = float(value)
    return out


def disabled(overrides: dict[str, dict[str, Any]]) -> set[str]:
    return {rid for rid, t in overrides.items() if isinstance(t, dict) and t.get("enabled") is False}
