"""fitglute's own sub-commands, registered by name: a command's module is imported when it runs.

The help line of each is a copy of the first sentence of the command's own help, shown by
``fitglute --help`` without importing the command (``tests/test_startup.py`` checks the copies).
"""

from fitglute.commands.lazy import LazyCommand, add
from fitglute.hookspecs import hookimpl

C = "fitglute.commands"
BUILT_IN = (
    LazyCommand(
        "analyze",
        f"{C}.analyze:analyze",
        "Analyse runs: clean-running dynamics, left/right balance, early→late drift, findings.",
    ),
    LazyCommand(
        "import",
        f"{C}.imports:import_",
        "Import runs into the history: idempotent (by content hash), parallel, resumable.",
    ),
    LazyCommand(
        "history", f"{C}.history:history", "Recent runs: date, distance, key metrics and top findings (newest first)."
    ),
    LazyCommand(
        "trends",
        f"{C}.history:trends",
        "A metric over the weeks: your runs, your baseline band, injuries, tests and load spikes marked.",
    ),
    LazyCommand(
        "report",
        f"{C}.report:report",
        "Write a self-contained HTML page (no network, no script): a run, --history or --for-physio.",
    ),
    LazyCommand(
        "plugins",
        f"{C}.plugins:plugins",
        "List installed plugins (built-ins included) with their version, hooks, channels, rules and commands.",
    ),
    LazyCommand(
        "sync",
        f"{C}.sync:sync",
        "Pull new runs from your sources, match recent Strava runs to their FIT files, write one note each.",
    ),
    LazyCommand(
        "injury",
        f"{C}.injury:app",
        "The injury log: where it hurt before — the most consistent "
        "predictor of the next injury — and what changed in the weeks before each one.",
        group=True,
    ),
    LazyCommand(
        "test",
        f"{C}.capacity:app",
        "Side-to-side strength tests (heel raise, bridge, hop, pogo): what gives exercise advice a side.",
        group=True,
    ),
    LazyCommand(
        "pain",
        f"{C}.pain:app",
        "The symptom log: pain during and after runs and next-morning stiffness, 0–10 — the earliest warning.",
        group=True,
    ),
    LazyCommand("rules", f"{C}.rules:app", "List the rules, their evidence and thresholds.", group=True),
    LazyCommand(
        "auth", f"{C}.auth:app", "Connect fitglute to Strava so it can write its note into your runs.", group=True
    ),
    LazyCommand(
        "sources",
        f"{C}.sources:app",
        "Where your runs come from: folders, intervals.icu, Garmin Connect, a plugged-in watch.",
        group=True,
    ),
    LazyCommand(
        "cron",
        f"{C}.cron:app",
        "Schedule `fitglute sync --quiet` with cron (one entry, replaced in place).",
        group=True,
    ),
)


@hookimpl
def register_commands(cli):
    for spec in BUILT_IN:
        add(cli, spec)
