"""Bundled sample data: ``demo_run.fit``, a generated run with known truth.

Regenerate it with the dev kit: ``python -m fitglute_devkit.make_demo``.
"""

from pathlib import Path

#: the example run ``fitglute analyze --demo`` analyses
DEMO_RUN = Path(__file__).with_name("demo_run.fit")
