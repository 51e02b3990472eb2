"""Units, checked on bytes decoded by hand.

The FIT file of a generated run is parsed here with ``struct`` only (header, definition messages,
data messages); each ``record`` field is scaled with the FIT profile's scale/offset written out
below (FIT SDK Profile.xlsx, message ``record``), and fitglute's canonical channels must equal
those hand-decoded values: GCT in ms, balance as % LEFT, oscillation and step length in mm,
cadence in steps/min (two feet), speed in m/s.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pytest
from conftest import CorpusEntry

from fitglute import decode as fit

FIT_EPOCH_UNIX = 631065600  # 1989-12-31T00:00:00Z
RECORD = 20
# FIT base type (low 5 bits) -> struct code
BASE = {
    0x00: "B",
    0x01: "b",
    0x02: "B",
    0x03: "h",
    0x04: "H",
    0x05: "i",
    0x06: "I",
    0x08: "f",
    0x09: "d",
    0x0A: "B",
    0x0B: "H",
    0x0C: "I",
    0x0D: "B",
    0x0E: "q",
    0x0F: "Q",
    0x10: "Q",
}
INVALID = {"B": 0xFF, "b": 0x7F, "H": 0xFFFF, "h": 0x7FFF, "I": 0xFFFFFFFF, "i": 0x7FFFFFFF}

# record field number -> (canonical channel, scale, offset): value = raw / scale - offset
RECORD_FIELDS = {
    41: ("gct_ms", 10, 0),  # stance_time, 0.1 ms
    84: ("gct_balance_left_pct", 100, 0),  # stance_time_balance, 0.01 % (left foot share)
    39: ("vertical_oscillation_mm", 10, 0),  # vertical_oscillation, 0.1 mm
    83: ("vertical_ratio_pct", 100, 0),  # vertical_ratio, 0.01 %
    85: ("step_length_mm", 10, 0),  # step_length, 0.1 mm
    40: ("gct_percent", 100, 0),  # stance_time_percent, 0.01 %
    73: ("speed_mps", 1000, 0),  # enhanced_speed, mm/s
    5: ("distance_m", 100, 0),  # distance, cm
    78: ("altitude_m", 5, 500),  # enhanced_altitude, 0.2 m with 500 m offset
    3: ("heart_rate_bpm", 1, 0),
    42: ("activity_type", 1, 0),
}
CADENCE, FRACTIONAL_CADENCE, TIMESTAMP, LAT, LONG = 4, 53, 253, 0, 1


def hand_decode_records(data: bytes) -> list[dict[int, int]]:
    """Raw integer field values of every ``record`` message (invalid values left out)."""
    header_size = data[0]
    assert header_size in (12, 14) and data[8:12] == b".FIT"
    (data_size,) = struct.unpack_from("<I", data, 4)
    pos, end = header_size, header_size + data_size
    definitions: dict[int, tuple[str, int, list[tuple[int, int, int]], int]] = {}
    records = []
    while pos < end:
        header = data[pos]
        pos += 1
        assert not header & 0x80, "compressed-timestamp headers are not written by the generator"
        local = header & 0x0F
        if header & 0x40:  # definition message
            endian = ">" if data[pos + 1] else "<"
            (global_num,) = struct.unpack_from(endian + "H", data, pos + 2)
            n_fields = data[pos + 4]
            pos += 5
            fields = [tuple(data[pos + 3 * i : pos + 3 * i + 3]) for i in range(n_fields)]
            pos += 3 * n_fields
            dev_size = 0
            if header & 0x20:  # developer field definitions: (number, size, developer index)
                n_dev = data[pos]
                pos += 1
                dev_size = sum(data[pos + 3 * i + 1] for i in range(n_dev))
                pos += 3 * n_dev
            definitions[local] = (endian, global_num, fields, dev_size)
            continue
        endian, global_num, fields, dev_size = definitions[local]
        values: dict[int, int] = {}
        for number, size, base in fields:
            code = BASE.get(base & 0x1F)  # None: string (0x07), decoded by nobody here
            if code is not None and struct.calcsize(code) == size:
                (raw,) = struct.unpack_from(endian + code, data, pos)
                if raw != INVALID.get(code):
                    values[number] = raw
            pos += size
        pos += dev_size
        if global_num == RECORD:
            records.append(values)
    return records


def physical(raw: dict[int, int]) -> dict[str, Any]:
    """Hand-scaled values of one record under fitglute's channel names."""
    out: dict[str, Any] = {"t": raw[TIMESTAMP] + FIT_EPOCH_UNIX}
    for number, (channel, scale, offset) in RECORD_FIELDS.items():
        out[channel] = raw[number] / scale - offset if number in raw else np.nan
    # FIT running cadence is strides/min of one foot: steps/min = 2 × (cadence + fractional/128)
    if CADENCE in raw:
        out["cadence_spm"] = 2 * (raw[CADENCE] + raw.get(FRACTIONAL_CADENCE, 0) / 128)
    else:
        out["cadence_spm"] = np.nan
    semicircle = 180 / 2**31
    out["position_lat"] = raw[LAT] * semicircle if LAT in raw else np.nan
    out["position_long"] = raw[LONG] * semicircle if LONG in raw else np.nan
    return out


@pytest.fixture(scope="module")
def hand(chest_run) -> list[dict[str, Any]]:
    return [physical(r) for r in hand_decode_records(chest_run.data)]


@pytest.mark.parametrize("prefer", ["fitfast", "fitparse"])
def test_first_record_equals_hand_decoded_bytes(chest_run, hand, prefer: str) -> None:
    run = fit.read(chest_run.path, prefer=prefer)
    first = hand[0]
    assert run.t[0] == first["t"]
    for channel, value in first.items():
        if channel == "t":
            continue
        assert run.channels[channel][0] == pytest.approx(value, rel=1e-12, abs=1e-12, nan_ok=True), channel
    # and the magnitudes are the documented units, not seconds/cm/strides
    assert 150 < run.channels["gct_ms"][0] < 400
    assert 40 < run.channels["gct_balance_left_pct"][0] < 60
    assert 50 < run.channels["vertical_oscillation_mm"][0] < 150
    assert 800 < run.channels["step_length_mm"][0] < 1400
    assert 150 < run.channels["cadence_spm"][0] < 200


def test_every_record_equals_hand_decoded_bytes(chest_run, hand) -> None:
    run = fit.read(chest_run.path)
    assert run.t.tolist() == [h["t"] for h in hand]
    for channel in [*(c for c, _s, _o in RECORD_FIELDS.values()), "cadence_spm", "position_lat"]:
        expected = np.array([h[channel] for h in hand], dtype=float)
        assert np.allclose(run.channels[channel], expected, rtol=1e-12, atol=1e-12, equal_nan=True), channel
    # dynamics are absent on stops, walk breaks and dropouts (never written, never zero-filled)
    gct = run.channels["gct_ms"]
    assert np.isnan(gct).sum() == len(hand) - chest_run.truth.clean_running_s


def test_balance_is_the_left_share(chest_run, hand) -> None:
    """The scenario puts 52 % of ground contact on the LEFT foot; the channel must say ~52, not ~48."""
    raw_mean = np.nanmean([h["gct_balance_left_pct"] for h in hand])
    run = fit.read(chest_run.path)
    assert chest_run.scenario.balance_left_pct == 52.0
    assert abs(raw_mean - 52.0) < 0.3
    assert np.nanmean(run.channels["gct_balance_left_pct"]) == pytest.approx(raw_mean, abs=1e-9)


@pytest.mark.parametrize("name", ["FR630-with-lth.fit", "with-new-dynamics.fit"])
def test_real_file_steps_per_minute_from_fitparse_raw_fields(corpus: dict[str, CorpusEntry], name: str) -> None:
    """steps/min = 2 × (cadence + fractional_cadence), against python-fitparse's own record fields
    (fitparse applies fractional_cadence's scale of 128 itself)."""
    entry = corpus[name]
    run = entry.fitfast.run
    records = sorted(entry.raw.records, key=lambda r: r["timestamp"])
    assert run.t.tolist() == [r["timestamp"] for r in records]

    def column(fn) -> np.ndarray:
        return np.array([fn(r) for r in records], dtype=float)

    spm = column(lambda r: np.nan if r["cadence"] is None else 2 * (r["cadence"] + (r["fractional_cadence"] or 0)))
    gct = column(lambda r: np.nan if r["stance_time"] is None else r["stance_time"])
    bal = column(lambda r: np.nan if r["stance_time_balance"] is None else r["stance_time_balance"])
    assert np.isfinite(spm).sum() > 0.9 * len(records)
    assert np.allclose(run.channels["cadence_spm"], spm, rtol=1e-12, atol=1e-12, equal_nan=True)
    assert np.allclose(run.channels["gct_ms"], gct, rtol=1e-12, atol=1e-12, equal_nan=True)
    assert np.allclose(run.channels["gct_balance_left_pct"], bal, rtol=1e-12, atol=1e-12, equal_nan=True)
    assert 140 < np.nanmedian(spm) < 200  # steps/min, not strides/min
