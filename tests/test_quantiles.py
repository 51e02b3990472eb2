"""fitglute's median/quantiles equal numpy's (which import numpy.ma) to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from fitglute.dynamics.quantiles import inverted_cdf_quantiles, median, percentiles

SIZES = [1, 2, 3, 4, 5, 7, 10, 11, 39, 40, 41, 599, 600, 601, 3600]


@pytest.mark.parametrize("n", SIZES)
def test_equal_to_numpy_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for scale in (1e-3, 1.0, 1e6):
        for decimals in (None, 0, 2):  # ties as well as distinct values
            x = rng.normal(size=n) * scale
            if decimals is not None:
                x = np.round(x, decimals)
            assert median(x) == np.median(x)
            assert inverted_cdf_quantiles(x, (0.5, 0.1, 0.9)) == list(
                np.quantile(x, (0.5, 0.1, 0.9), method="inverted_cdf")
            )
            ps = [0.0, 2.5, 10.0, 50.0, 97.5, 100.0]
            assert percentiles(x, ps) == list(np.percentile(x, ps))


def test_nan_and_hand_checked_values():
    assert np.isnan(median(np.array([1.0, np.nan])))
    assert np.isnan(percentiles(np.array([1.0, np.nan]), [50.0])[0])
    assert median(np.array([3.0, 1.0, 2.0, 10.0])) == 2.5
    assert percentiles(np.array([0.0, 10.0]), [25.0, 97.5]) == [2.5, 9.75]
