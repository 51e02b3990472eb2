"""fitglute's built-in rules (one module per theme in :mod:`fitglute.rules`)."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_rules(register):
    from fitglute.rules import asymmetry, composite, fatigue, form, load, recurrence

    # the order rules are listed and judged in within a stage (stages order the rest)
    for rule in (
        *form.RULES,
        *fatigue.RULES,
        load.LOAD_SPIKE,
        *asymmetry.RULES,
        *recurrence.RULES,
        load.ACUTE_CHRONIC,
        *composite.RULES,
    ):
        register(rule)
