"""Problems as one readable line: input the runner typed (naming the field), and bugs met in a file.

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


#: what the per-file barrier never swallows: the runner's Ctrl-C, an exit, a generator's close
PASS_THROUGH: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit, GeneratorExit)


class TimeLimit(BaseException):  # noqa: N818 - reads as what happened: the file hit the time limit
    """A file's analysis ran past the batch's time limit per file (raised by an alarm inside it).

    A ``BaseException`` so that no ``except Exception`` on the way (python-fitparse's salvage
    catches every ``Exception`` as damage) mistakes it for bad data; the per-file barrier and
    nothing else turns it into the file's error line.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"stopped after {seconds:.0f} s (the time limit per file)")


def internal_error(stage: str, exc: BaseException) -> str:
    """The one line a file gets when fitglute itself fails on it (a bug, not bad input).

    Names the stage and the exception, so the runner can report it, and never carries a traceback.
    ``BaseException`` because a native decoder's panic (``pyo3_runtime.PanicException``) is one.
    """
    if isinstance(exc, TimeLimit):
        return f"{exc} in {stage}; please report it with the file"
    what = " ".join(str(exc).split())[:200]
    name = type(exc).__name__
    return f"internal error in {stage}: {name}{': ' + what if what else ''}; please report it with the file"
