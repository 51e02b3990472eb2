"""The generated FIT name tables equal python-fitparse's profile (the reference decoder's own)."""

from __future__ import annotations

import pytest

from fitglute.decode import profile_tables
from fitglute.decode.profile import enum_name, product_name

fitparse_profile = pytest.importorskip("fitparse.profile")


@pytest.mark.parametrize("name", sorted(profile_tables.ENUMS))
def test_enum_table_equals_fitparse(name):
    assert profile_tables.ENUMS[name] == dict(fitparse_profile.FIELD_TYPES[name].values)


def test_record_field_names_equal_fitparse():
    fields = fitparse_profile.MESSAGE_TYPES[20].fields.values()
    expected = {"timestamp"} | {f.name for f in fields}
    expected |= {sf.name for f in fields for sf in (f.subfields or ())}
    assert expected == profile_tables.RECORD_FIELD_NAMES
    assert {"stance_time", "vertical_oscillation", "enhanced_speed"} <= expected  # what the fast path reads


def test_names_resolve_as_the_fit_profile_says():
    # hand-checked against the FIT SDK profile: sport 1 running, 2 cycling, 5 swimming; Garmin 1 = garmin
    assert enum_name("sport", 1) == "running"
    assert enum_name("sport", 2.0) == "cycling"
    assert enum_name("sport", 5) == "swimming"
    assert enum_name("sub_sport", 1) == "treadmill"
    assert enum_name("sport", 250) == "250"  # unknown numbers pass through as text
    assert product_name(1, 1) == "hrm1"
    assert product_name(255, 1) == "1"  # not a Garmin: the number, not Garmin's name for it
