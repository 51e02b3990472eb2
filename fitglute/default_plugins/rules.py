"""fitglute's built-in rules (one module per theme in :mod:`fitglute.rules`)."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_rules(register):
    from fitglute.rules import asymmetry, capacity, composite, fatigue, form, guardrail, load, recurrence, symptoms

    # the order rules are listed and judged in within a stage (stages order the rest)
    for rule in (
        *form.RULES,
        *fatigue.RULES,
        load.LOAD_SPIKE,
        *asymmetry.RULES,
        *recurrence.RULES,
        *capacity.RULES,
        *symptoms.RULES,
        *guardrail.RULES,
        load.ACUTE_CHRONIC,
        *composite.RULES,
    ):
        register(rule)
