"""fitglute's own features, registered through the same hooks third-party plugins use."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_rules(register):
    from fitglute.rules import composite, fatigue, form

    for module in (form, fatigue, composite):
        for rule in module.RULES:
            register(rule)
