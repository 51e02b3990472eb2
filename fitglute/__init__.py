"""fitglute: running dynamics from FIT files → evidence-graded glute/posterior-chain hypotheses.

Importing the package is cheap on purpose: heavy modules (numpy, fitparse, rich, stravalib) are
imported by the submodules that need them, so ``fitglute --help`` starts fast.
"""

__version__ = "0.1.0"
