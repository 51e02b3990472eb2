"""Allow ``python -m fitglute``."""

from fitglute.cli import main

main()
