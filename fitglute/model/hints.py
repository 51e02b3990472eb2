"""What the runner can do next, as codes: the library names the step, the command layer the command.

A library message never names a command or a flag (a script or another front end has other
ones); it carries one of these codes instead, and :mod:`fitglute.commands.hints` turns it into
the words for the command line.
"""

IMPORT_HISTORY = "import-history"  #: earlier runs are needed: import them
LOG_INJURY = "log-injury"  #: the injury log is empty or lacks what the rule needs
LOG_TEST = "log-test"  #: no (recent) side-to-side capacity test: do one and log it
LOG_SYMPTOM = "log-symptom"  #: the symptom log is empty or has nothing recent
CONNECT_STRAVA = "connect-strava"  #: authorise fitglute on Strava (again)
REWRITE_NOTE = "rewrite-note"  #: the runner may have fitglute rewrite one activity's note (``activity`` field)
CONNECT_INTERVALS = "connect-intervals"  #: store (again) an intervals.icu API key
CONNECT_GARMIN = "connect-garmin"  #: log in to Garmin Connect (again), interactively
