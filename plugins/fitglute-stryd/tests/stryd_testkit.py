"""The stryd plugin's tests use fitglute's plugin test kit (a plain module: no conftest, so
nothing clashes with the core's ``tests/conftest.py`` when pytest runs both from the root)."""

from fitglute_devkit.testing import SensorTestKit

kit = SensorTestKit("stryd", stryd=True)
EMPTY_HOME = kit.empty_home_dir
shared, synth, synth_truth, analysed = kit.shared, kit.synth, kit.synth_truth, kit.analysed
analyse, rules_of, fitglute_cli = kit.analyse, kit.rules_of, kit.cli
