"""Stryd field mapping: real files in ../shared/fit, generated files, and the name/unit variants."""

from __future__ import annotations

from datetime import UTC
from types import SimpleNamespace

import numpy as np
import pytest
from fitglute_stryd import channel_specs
from fitglute_stryd.fields import identify, map_stryd
from stryd_testkit import analyse, shared, synth, synth_truth

from fitglute import decode as fit
from fitglute.model.run import DevField
from fitglute.plugins import channel_mappers
from fitglute.sensors import apply_sensors


def apply_channel_mappers(run) -> None:
    """The sensor step of the pipeline, with every installed mapper."""
    apply_sensors(run, channel_mappers())


STRYD_UUID = "18fb2cf01a4b430dad66988c847421f4"
LEGACY_UUID = "660a581e5301460c8f2f034c8b6dc90f"
ZERO = "0" * 32


def raw_dev_values(path, field_name: str) -> dict[float, float]:
    """{unix time: value} of one developer field, read independently with python-fitparse."""
    fitparse = pytest.importorskip("fitparse")
    out = {}
    for msg in fitparse.FitFile(str(path), check_developer_data=False).get_messages("record"):
        values = msg.get_values()
        if field_name in values and values[field_name] is not None and values.get("timestamp"):
            out[values["timestamp"].replace(tzinfo=UTC).timestamp()] = float(values[field_name])
    return out


def at_times(run, channel: str, raw: dict[float, float]) -> tuple[np.ndarray, np.ndarray]:
    idx = {t: i for i, t in enumerate(run.t)}
    common = [t for t in raw if t in idx]
    return run.channels[channel][[idx[t] for t in common]], np.array([raw[t] for t in common])


# --------------------------------------------------------------------------- real files


def test_fr920xt_with_stryd_zero_app_id_field_set():
    path = shared("FR920xt-with-Stryd.fit")
    run = fit.read(path)
    src = identify(run)
    assert src.app_id == ZERO and "Ground Time + Vertical Oscillation" in src.how
    assert set(src.fields) == {"stryd_power_w", "stryd_gct_ms", "stryd_vo_mm"}
    apply_channel_mappers(run)
    # centimetres → mm, sample by sample, against an independent fitparse read (0 = not measured)
    mine, raw = at_times(run, "stryd_vo_mm", raw_dev_values(path, "Vertical Oscillation"))
    assert raw.size > 1800
    measured = raw > 0
    np.testing.assert_allclose(mine[measured], raw[measured] * 10.0)
    assert np.isnan(mine[~measured]).all()
    mine, raw = at_times(run, "stryd_power_w", raw_dev_values(path, "Power"))
    np.testing.assert_array_equal(mine, raw)

    res = analyse(path)
    ch = res["channels"]
    assert 150 < ch["stryd_power_w"]["mean"] < 400  # 267 W at 3.7 m/s
    assert 150 < ch["stryd_gct_ms"]["mean"] < 300  # 214 ms
    assert 60 < ch["stryd_vo_mm"]["mean"] < 160  # 116 mm
    assert "gct_ms" not in ch or ch["gct_ms"] is None  # never mixed into the native GCT
    na = res["not_assessed"]
    assert "no leg spring stiffness" in na["lss-drop"]
    assert "only one ground-contact-time source" in na["gct-source-disagreement"]


def test_mornindew_legacy_stryd_app():
    path = shared("mornindew-broken.fit")
    run = fit.read(path)
    src = identify(run)
    assert src.app_id == LEGACY_UUID and "legacy Stryd" in src.how
    assert {"stryd_power_w", "form_power", "leg_spring_stiffness", "stryd_gct_ms", "stryd_vo_mm"} <= set(src.fields)
    out = map_stryd(run)
    mine, raw = at_times(
        SimpleNamespace(t=run.t, channels=out), "leg_spring_stiffness", raw_dev_values(path, "Leg Spring Stiffness")
    )
    ok = raw > 0
    np.testing.assert_allclose(mine[ok], raw[ok], rtol=1e-6)  # "kN/m": no scaling

    res = analyse(path)
    ch = res["channels"]
    assert 6 < ch["leg_spring_stiffness"]["mean"] < 14  # 9.9 kN/m; "most athletes" 6–14
    assert 40 < ch["form_power"]["mean"] < 100  # 63 W
    assert 25 < ch["form_power_ratio_pct"]["mean"] < 45  # 34 %
    assert ch["stryd_vo_mm"]["mean"] == pytest.approx(63.4, abs=3)
    for rule in ("lss-drop", "form-power-ratio-rise"):
        assert rule not in res["not_assessed"]  # judged: LSS -1.4 %, ratio +2.1 %, both below notable
    assert not {"lss-drop", "form-power-ratio-rise"} & {f["rule"] for f in res["findings"]}


def test_developer_types_sample_stryd_made_file():
    path = shared("developer-types-sample.fit")
    run = fit.read(path)
    src = identify(run)
    assert src.app_id == ZERO and "leg spring stiffness" in src.how
    assert src.native_power  # the file is Stryd-made: its native power is Stryd's
    res = analyse(path)
    ch = res["channels"]
    assert ch["leg_spring_stiffness"]["mean"] == pytest.approx(14.3, abs=0.5)  # "KN/m"
    assert 150 < ch["stryd_power_w"]["mean"] < 300
    # the core keeps the pod's own GCT/VO apart; the plugin hands them back so they get stats
    assert 250 < ch["stryd_gct_ms"]["mean"] < 450
    assert 40 < ch["stryd_vo_mm"]["mean"] < 120
    assert "stryd_gct_ms" in res["drift"]


@pytest.mark.parametrize("name", ["FR920xt-with-runscribe-plus.fit", "Fenix-3-with-empty-runscribe.fit", "Fenix-2.fit"])
def test_no_stryd_no_channels(name):
    run = fit.read(shared(name))
    assert map_stryd(run) == {}
    assert not identify(run).found


# --------------------------------------------------------------------------- generated files


def test_generated_stryd_fields_map_to_the_model():
    data = synth(seed=1)
    truth = synth_truth(seed=1)
    run = fit.read(data, name="synth.fit")
    src = identify(run)
    assert src.app_id == STRYD_UUID
    assert set(src.fields) == {
        "stryd_power_w",
        "form_power",
        "air_power",
        "leg_spring_stiffness",
        "stryd_gct_ms",
        "stryd_vo_mm",
    }
    res = analyse(data, "synth.fit")
    ch = res["channels"]
    # the generator's Stryd model (fitglute_devkit.synth): GCT 0.93 × chest, VO 0.75 × torso (in cm),
    # LSS 10 kN/m at base speed, form power 26 % of power
    assert ch["stryd_gct_ms"]["mean"] == pytest.approx(0.93 * truth.gct_ms, rel=0.03)
    assert ch["stryd_vo_mm"]["mean"] == pytest.approx(0.75 * truth.vertical_oscillation_mm, rel=0.03)
    assert ch["leg_spring_stiffness"]["mean"] == pytest.approx(10.0, rel=0.05)
    assert ch["form_power_ratio_pct"]["mean"] == pytest.approx(26.0, abs=1.0)
    assert ch["stryd_power_w"]["mean"] == pytest.approx(70 * 1.04 * truth.speed_mps, rel=0.05)
    assert ch["gct_ms"]["mean"] == pytest.approx(truth.gct_ms, rel=0.03)  # the chest GCT is untouched


# --------------------------------------------------------------------------- name/unit variants


class FakeRun:
    """The parts of a Run a mapper reads."""

    def __init__(self, fields: list[tuple[str | None, int, str, str, list[float]]], **kw):
        self.developer_fields, self.developer = [], {}
        for app, number, name, units, values in fields:
            key = f"{app or 'dev0'}:{name or f'#{number}'}"
            self.developer_fields.append(
                DevField(key, app, 0 if app in (None, ZERO, STRYD_UUID) else 1, number, name, units)
            )
            self.developer[key] = np.array(values, dtype=float)
        self.channels = kw.get("channels", {})
        self.device = kw.get("device")
        self.sensors = kw.get("sensors", [])
        self.t = np.arange(3.0)

    def has(self, key):
        x = self.channels.get(key)
        return x is not None and bool(np.isfinite(x).any())


def test_unit_variants_are_converted():
    run = FakeRun(
        [
            (None, 9, "Leg Spring Stiffness", "kN/m", [9.0, 0.0, 10.0]),
            (None, 3, "Ground Time", "Milliseconds", [250, 0, 240]),
            (None, 4, "Vertical Oscillation", "cm", [8.0, 7.5, 0.0]),
            (None, 0, "Power", "W", [200, 210, 0]),
            (None, 8, "Form Power", "Watts", [50, 52, 0]),
        ]
    )
    out = map_stryd(run)
    np.testing.assert_allclose(out["leg_spring_stiffness"], [9.0, np.nan, 10.0])
    np.testing.assert_allclose(out["stryd_gct_ms"], [250, np.nan, 240])
    np.testing.assert_allclose(out["stryd_vo_mm"], [80.0, 75.0, np.nan])
    np.testing.assert_allclose(out["form_power_ratio_pct"], [25.0, 52 / 210 * 100, np.nan])
    stiff_n = map_stryd(FakeRun([(None, 9, "Leg Spring Stiffness", "N/m", [9500.0, 9000.0, 0.0])]))
    np.testing.assert_allclose(stiff_n["leg_spring_stiffness"], [9.5, 9.0, np.nan])
    mm = map_stryd(FakeRun([(STRYD_UUID, 4, "Vertical Oscillation", "", [81.0, 80.0, 0.0])]))
    np.testing.assert_allclose(mm["stryd_vo_mm"], [81.0, 80.0, np.nan])  # unitless, mm by magnitude


def test_unknown_units_are_skipped_not_guessed():
    run = FakeRun(
        [
            (STRYD_UUID, 9, "Leg Spring Stiffness", "lbf/in", [50.0, 51.0, 52.0]),
            (STRYD_UUID, 0, "Power", "Watts", [200, 210, 220]),
        ]
    )
    src = identify(run)
    assert "leg_spring_stiffness" not in src.fields and "lbf/in" in src.skipped[0]
    assert "stryd_power_w" in src.fields


def test_heuristic_for_foreign_app_ids():
    other = "11112222333344445555666677778888"
    # a lone "Power" (e.g. Garmin's Running Power app) or one Stryd-like name under a foreign id: not Stryd
    assert not identify(FakeRun([(ZERO, 0, "Power", "Watts", [200, 0, 0])])).found
    assert not identify(FakeRun([(other, 8, "Form Power", "Watts", [50, 50, 50])])).found
    # two Stryd-only names under a foreign id (a watch forwarding Stryd fields): accepted
    src = identify(
        FakeRun(
            [(other, 8, "Form Power", "Watts", [50, 50, 50]), (other, 9, "Leg Spring Stiffness", "KN/m", [9, 9, 9])]
        )
    )
    assert src.found and "unknown app id" in src.how
    # a Stryd-recorded file without developer power: the native power is Stryd's
    run = FakeRun(
        [(ZERO, 9, "Leg Spring Stiffness", "KN/m", [9, 9, 9])],
        device="stryd",
        channels={"power_w": np.array([200.0, 210.0, 0.0])},
    )
    assert identify(run).native_power and map_stryd(run)["stryd_power_w"][1] == 210.0
    # ... and a Garmin watch's own power is not
    run.device = "garmin fr965"
    assert not identify(run).native_power


def test_channel_specs_cover_every_mapped_channel():
    specs = channel_specs()
    assert {
        "stryd_power_w",
        "form_power",
        "air_power",
        "leg_spring_stiffness",
        "stryd_gct_ms",
        "stryd_vo_mm",
        "form_power_ratio_pct",
    } == set(specs)
    assert specs["leg_spring_stiffness"].unit == "kN/m" and specs["stryd_vo_mm"].unit == "mm"
