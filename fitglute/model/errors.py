"""Input the runner typed that fitglute cannot accept: one readable line, naming the field.

Library code names the *field* ("site"), never a command-line flag: the command layer shows the
same line with its flag (``--site``), and another caller (a script, a future GUI) with its own.
"""

from __future__ import annotations


class InputError(ValueError):
    """A bad value for ``field``; ``template`` holds ``{field}`` where the field's name goes."""

    def __init__(self, template: str, field: str) -> None:
        self.template, self.field = template, field
        super().__init__(template.format(field=field))

    def shown_as(self, name: str) -> str:
        """The message with the field called ``name`` (e.g. ``--site``)."""
        return self.template.format(field=name)
