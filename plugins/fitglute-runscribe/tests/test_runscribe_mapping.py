"""RunScribe field mapping: real files in ../shared/fit, generated files, name/number variants."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pytest
from fitglute_runscribe import channel_specs
from fitglute_runscribe.fields import by_number, identify, map_runscribe, parse_name
from runscribe_testkit import analyse, shared, synth, synth_truth

from fitglute import decode as fit
from fitglute.model.run import DevField

PLUS_UUID = "c1f5c80a5a054e8a97b3fda34e957035"
LIGHT_UUID = "502092b3b0dd45ad89b3472ab2060ab6"


def raw_records(path) -> list[dict]:
    fitparse = pytest.importorskip("fitparse")
    return [m.get_values() for m in fitparse.FitFile(str(path), check_developer_data=False).get_messages("record")]


def column(run, channel: str, records: list[dict], field: str) -> tuple[np.ndarray, np.ndarray]:
    """(mapped channel, raw fitparse value) at the same timestamps."""
    idx = {t: i for i, t in enumerate(run.t)}
    mine, raw = [], []
    for r in records:
        t = r["timestamp"].replace(tzinfo=UTC).timestamp()
        if t in idx and r.get(field) is not None:
            mine.append(run.channels[channel][idx[t]])
            raw.append(float(r[field]))
    return np.array(mine), np.array(raw)


# --------------------------------------------------------------------------- real files


def test_runscribe_plus_named_fields_match_fitparse():
    path = shared("FR920xt-with-runscribe-plus.fit")
    run = fit.read(path)
    src = identify(run)
    assert src.app_id == PLUS_UUID
    assert {
        "rs_contact_ms_left",
        "rs_contact_ms_right",
        "rs_impact_g_left",
        "rs_impact_g_right",
        "rs_braking_g_left",
        "rs_braking_g_right",
        "rs_pronation_deg_left",
        "rs_pronation_deg_right",
        "rs_footstrike_left",
        "rs_footstrike_right",
        "rs_power_w",
    } == set(src.fields)
    # the named fields use the same 0–5 left / 6–11 right / 12 power numbers as the unnamed layout
    for f in run.developer_fields:
        metric, side = parse_name(f.name)
        assert by_number(f.number) == (metric, side), f
    run.channels.update(map_runscribe(run))
    records = raw_records(path)
    for channel, field in [
        ("rs_contact_ms_left", "RS_ContactTime_L"),
        ("rs_contact_ms_right", "RS_ContactTime_R"),
        ("rs_impact_g_left", "RS_Impact_GS_L"),
        ("rs_braking_g_right", "RS_Braking_GS_R"),
        ("rs_pronation_deg_left", "RS_Pronation_L"),
        ("rs_footstrike_right", "RS_FootStrike_R"),
    ]:
        mine, raw = column(run, channel, records, field)
        assert raw.size == 1272, field
        np.testing.assert_allclose(mine, raw, rtol=1e-6, err_msg=field)
    mine_l, raw_l = column(run, "rs_contact_ms_left", records, "RS_ContactTime_L")
    mine_r, raw_r = column(run, "rs_contact_ms_right", records, "RS_ContactTime_R")
    assert raw_l.mean() == pytest.approx(316.9, abs=0.1) and raw_r.mean() == pytest.approx(303.5, abs=0.1)

    res = analyse(path)
    ch = res["channels"]
    # clean running (treadmill, 21 min): left 315 ms, right 302 ms; braking 7.3 G vs 8.0 G
    assert ch["rs_contact_ms_left"]["mean"] == pytest.approx(315.1, abs=2)
    assert ch["rs_contact_ms_right"]["mean"] == pytest.approx(301.6, abs=2)
    assert ch["rs_contact_ms_left"]["mean"] > ch["gct_ms"]["mean"] + 30  # foot pods read longer than the chest


def test_empty_runscribe_light_is_recognised_but_yields_no_channels():
    run = fit.read(shared("Fenix-3-with-empty-runscribe.fit"))
    src = identify(run)
    assert src.app_id == LIGHT_UUID
    # early RunScribe Light: unnamed, unit-less float32 fields 0–3 (left) and 6–9 (right)
    assert sorted(f.number for f in run.developer_fields) == [0, 1, 2, 3, 6, 7, 8, 9]
    assert set(src.fields) == {
        f"{p}_{s}"
        for p in ("rs_impact_g", "rs_braking_g", "rs_footstrike", "rs_pronation_deg")
        for s in ("left", "right")
    }
    assert map_runscribe(run) == {}  # every value is 0: the pods recorded nothing
    res = analyse(shared("Fenix-3-with-empty-runscribe.fit"))
    assert not any(k.startswith("rs_") for k in res["channels"])
    # this app version writes no contact time; the reason says so in words, not an internal channel name
    assert res["not_assessed"]["runscribe-contact-asymmetry"] == "this RunScribe recording has no per-foot contact time"
    assert "recorded nothing" in res["not_assessed"]["runscribe-braking-asymmetry"]


@pytest.mark.parametrize("name", ["FR920xt-with-Stryd.fit", "mornindew-broken.fit", "with-new-dynamics.fit"])
def test_no_runscribe_no_channels(name):
    run = fit.read(shared(name))
    assert not identify(run).found and map_runscribe(run) == {}


# --------------------------------------------------------------------------- generated files


def test_generated_unnamed_layout_maps_per_foot():
    data = synth(seed=4, runscribe_contact_bias_ms=20.0)
    truth = synth_truth(seed=4, runscribe_contact_bias_ms=20.0)
    run = fit.read(data, name="synth.fit")
    src = identify(run)
    # the generator's app id is a stand-in (the real RunScribe Light id is unverified): the fields
    # are recognised by their 0–12 layout and units alone
    assert src.app_id not in (PLUS_UUID, LIGHT_UUID) and "matching units" in src.how
    assert len(src.fields) == 13
    res = analyse(data, "synth.fit")
    ch = res["channels"]
    # the generator's model: contact = 0.96 × chest GCT ± half the bias; impact 9.5 G, braking 7 G
    assert ch["rs_contact_ms_left"]["mean"] == pytest.approx(0.96 * truth.gct_ms + 10.0, rel=0.02)
    assert ch["rs_contact_ms_right"]["mean"] == pytest.approx(0.96 * truth.gct_ms - 10.0, rel=0.02)
    for side in ("left", "right"):
        assert ch[f"rs_impact_g_{side}"]["mean"] == pytest.approx(9.5, rel=0.05)
        assert ch[f"rs_braking_g_{side}"]["mean"] == pytest.approx(7.0, rel=0.05)
        assert ch[f"rs_pronation_deg_{side}"]["mean"] == pytest.approx(-9.0, abs=0.5)
        assert 15 < ch[f"rs_flight_ratio_pct_{side}"]["mean"] < 45
    assert ch["rs_flight_ratio_pct_right"]["mean"] > ch["rs_flight_ratio_pct_left"]["mean"]  # shorter contact


# --------------------------------------------------------------------------- variants


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("RS_ContactTime_L", ("contact", "left")),
        ("RS_Impact_GS_R", ("impact", "right")),
        ("RS_Braking_GS_L", ("braking", "left")),
        ("RS_Pronation_R", ("pronation", "right")),
        ("RS_FootStrike_L", ("footstrike", "left")),
        ("RS_Power_AVG", ("power", None)),
        ("ContactTime_R", ("contact", "right")),
        ("BrakingGs_L", ("braking", "left")),
        ("ImpactGs_R", ("impact", "right")),
        ("FS_L", ("footstrike", "left")),
        ("FlightRatio_R", ("flight_ratio", "right")),
        ("Contact time Left", ("contact", "left")),
        ("Impact Gs Right", ("impact", "right")),
        ("ContactTime", ("contact", None)),  # single-pod average: recognised, not mapped to a foot
        ("Power", ("power", None)),
        ("Heart Rate", None),
        ("Ground Time", None),
    ],
)
def test_parse_name(name, expected):
    assert parse_name(name) == expected


class FakeRun:
    def __init__(self, app: str | None, fields: list[tuple[int, str, str, list[float]]]):
        self.developer_fields, self.developer = [], {}
        for number, name, units, values in fields:
            key = f"{app or 'dev0'}:{name or f'#{number}'}"
            self.developer_fields.append(DevField(key, app, 0, number, name, units))
            self.developer[key] = np.array(values, dtype=float)


def test_unnamed_layout_needs_units_or_a_known_app():
    units = ("G", "G", "", "°", "%", "ms") * 2 + ("W",)
    fields = [(n, "", u, [5.0, 0.0]) for n, u in enumerate(units)]
    assert identify(FakeRun("ab" * 16, fields)).found
    unitless = [(n, "", "", [5.0, 0.0]) for n in range(13)]
    assert not identify(FakeRun("ab" * 16, unitless)).found  # could be any app's fields 0–12
    assert identify(FakeRun(LIGHT_UUID, unitless)).found
    clash = [(n, "", "bpm" if n == 5 else u, [5.0, 0.0]) for n, u in enumerate(units)]
    assert not identify(FakeRun("ab" * 16, clash)).found


def test_named_fields_need_two_per_foot_names_and_known_units():
    assert not identify(FakeRun("ab" * 16, [(5, "ContactTime_L", "ms", [300.0])])).found
    src = identify(FakeRun("ab" * 16, [(5, "ContactTime_L", "ms", [300.0]), (11, "ContactTime_R", "s", [0.3])]))
    assert src.found and list(src.fields) == ["rs_contact_ms_left"] and "'s'" in src.skipped[0]


def test_a_foot_without_data_is_missing_not_zero():
    run = FakeRun(
        LIGHT_UUID,
        [
            (0, "", "", [9.0, 0.0, 8.0]),
            (5, "", "", [250.0, 0.0, 0.0]),
            (3, "", "", [-8.0, 0.0, -7.0]),
            (6, "", "", [9.0, 9.5, 0.0]),
        ],
    )
    out = map_runscribe(run)
    np.testing.assert_allclose(out["rs_impact_g_left"], [9.0, np.nan, 8.0])
    np.testing.assert_allclose(out["rs_pronation_deg_left"], [-8.0, np.nan, -7.0])
    np.testing.assert_allclose(out["rs_contact_ms_left"], [250.0, np.nan, np.nan])  # 0 ms = not measured
    np.testing.assert_allclose(out["rs_impact_g_right"], [9.0, 9.5, np.nan])


def test_channel_specs():
    specs = channel_specs()
    assert len(specs) == 13
    assert specs["rs_contact_ms_left"].unit == "ms" and specs["rs_pronation_deg_right"].log_scale is False


# --------------------------------------------------------------------------- single-pod layout

SINGLE_POD = [  # one pod, CamelCase names without a side: the average of both feet (issue 13)
    (0, "Impact", "G", [9.0, 9.2]),
    (1, "Braking", "G", [7.0, 7.1]),
    (2, "FootstrikeType", "", [6.0, 6.0]),
    (3, "Pronation", "°", [-9.0, -8.5]),
    (4, "FlightRatio", "%", [30.0, 31.0]),
    (5, "ContactTime", "ms", [250.0, 252.0]),
    (6, "Power", "W", [280.0, 285.0]),
]


def test_single_pod_layout_is_recognised_by_meaning_but_maps_no_foot():
    src = identify(FakeRun("cd" * 16, SINGLE_POD))
    assert set(src.averages) == {"impact", "braking", "footstrike", "pronation", "flight_ratio", "contact"}
    assert not any(ch.endswith(("_left", "_right")) for ch in src.fields)
    lower = [(n, name.lower(), u, v) for n, name, u, v in SINGLE_POD]  # case does not matter
    assert set(identify(FakeRun("cd" * 16, lower)).averages) == set(src.averages)
    assert not identify(FakeRun("cd" * 16, SINGLE_POD[:2])).averages  # two names could be any app's


def test_single_pod_reason_says_single_pod_not_missing_field():
    from types import SimpleNamespace

    from fitglute_runscribe.rules import _missing

    run = FakeRun("cd" * 16, SINGLE_POD)
    run.has = lambda key: False  # no per-foot channel: single-pod mode maps none
    for metric in ("contact", "braking"):
        gap = _missing(SimpleNamespace(run=run), metric, f"rs_{metric}_left", f"rs_{metric}_right")
        assert gap is not None and gap.reason.startswith("single-pod RunScribe recording")
        assert "rs_" not in gap.reason  # no internal channel name
