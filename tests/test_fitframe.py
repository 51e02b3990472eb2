"""fitglute.decode.summary_copy: the summary messages copied into a small FIT file decode exactly as in the
original file (fitfast decodes both; the module only frames), and anything odd is refused.

The reference is always fitfast's own decode of the untouched file, and the CRCs are checked with
a bit-by-bit CRC written out here (not the module's table form).
"""

from __future__ import annotations

import struct

import fitfast
import pytest
from conftest import REAL_FILES, Generated, _generate

from fitglute import decode as fit
from fitglute.decode import fast as decoders
from fitglute.decode import summary_copy as fitframe
from fitglute.decode.decoded import FIT_EPOCH_UNIX

KEPT = ("file_id", "sport", "session", "lap", "device_info", "field_description", "developer_data_id")


def reference_crc(data: bytes) -> int:
    """CRC-16/ARC bit by bit (FIT SDK: polynomial 0x8005 reflected, initial value 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def sections(fit_bytes: bytes) -> list[tuple[bytes, bytes]]:
    """(header, messages) of each chained section, asserting every header and file CRC."""
    out, pos = [], 0
    while pos < len(fit_bytes):
        size = fit_bytes[pos]
        (data_size,) = struct.unpack_from("<I", fit_bytes, pos + 4)
        header = fit_bytes[pos : pos + size]
        body = fit_bytes[pos + size : pos + size + data_size]
        (file_crc,) = struct.unpack_from("<H", fit_bytes, pos + size + data_size)
        if size == 14:
            assert struct.unpack_from("<H", header, 12)[0] == reference_crc(header[:12])
        assert file_crc == reference_crc(header + body)
        out.append((header, body))
        pos += size + data_size + 2
    assert pos == len(fit_bytes)
    return out


def assert_same_summaries(data: bytes) -> bytes:
    """extract() works and fitfast reads the kept messages of both files identically."""
    small = fitframe.extract(data)
    assert small is not None
    for header, _body in sections(small):
        assert header[0] == 14 and header[8:12] == b".FIT"
    full = fitfast.parse(data, enum_names=False)
    got = fitfast.parse(small, enum_names=False)
    assert set(got) <= set(KEPT), set(got) - set(KEPT)
    for kind in KEPT:
        assert got.get(kind, []) == full.get(kind, []), kind
    return small


# --------------------------------------------------------------------------- real files


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_summaries_decode_identically(shared_fit, name: str) -> None:
    data = (shared_fit / name).read_bytes()
    try:
        fitfast.parse(data, enum_names=False)
    except fitfast.FitDecodeError:
        pytest.skip("fitfast does not decode this file (fitparse's job)")
    small = assert_same_summaries(data)
    assert len(small) < len(data)


def test_real_corpus_covers_the_framing_cases(shared_fit) -> None:
    """The corpus holds what the walk must handle, so the test above exercises it all."""
    for name in ("sample_mulitple_header.fit", "event_timestamp.fit"):
        assert len(sections((shared_fit / name).read_bytes())) > 1  # chained files
    assert (shared_fit / "Activity.fit").read_bytes()[0] == 12  # 12-byte header, big-endian definitions
    assert (shared_fit / "FR70-intervals.fit").read_bytes()[0] == 12  # compressed-timestamp records


# --------------------------------------------------------------------------- generated files


@pytest.fixture(scope="module")
def dev_pauses_run(synth_dir) -> Generated:
    """Stryd + RunScribe developer fields, timer pauses, a stop and a dropout."""
    return _generate(
        synth_dir, "frame-dev", duration_s=900, seed=31, stryd=True, runscribe=True, pauses=2, stops=1, dropouts=1
    )


def test_generated_files_summaries_decode_identically(chest_run, stryd_run, nodyn_run, dev_pauses_run) -> None:
    for g in (chest_run, stryd_run, nodyn_run, dev_pauses_run):
        assert fitframe.crc16(g.data[:-2]) == struct.unpack("<H", g.data[-2:])[0]  # the writer's CRC
        assert_same_summaries(g.data)
    parsed = fitfast.parse(fitframe.extract(dev_pauses_run.data), enum_names=False)
    assert len(parsed["field_description"]) == 6 + 13 and len(parsed["developer_data_id"]) == 2


def test_chained_generated_files(short_run, stryd_run) -> None:
    chained = short_run.data + stryd_run.data
    small = assert_same_summaries(chained)
    assert len(sections(small)) == 2


def test_decode_is_the_same_without_the_small_file(dev_pauses_run, chest_run, monkeypatch) -> None:
    """When extract() refuses a file, parse() of the whole file gives the very same Decoded."""
    fast = {g.path.name: decoders.decode_fitfast(g.data) for g in (dev_pauses_run, chest_run)}
    monkeypatch.setattr(decoders, "extract", lambda data: None)
    for g in (dev_pauses_run, chest_run):
        whole, small = decoders.decode_fitfast(g.data), fast[g.path.name]
        assert small.decoder == whole.decoder == "fitfast"
        for attr in ("sessions", "laps", "devices", "file_ids", "sports", "dev_descriptions", "dev_apps"):
            assert getattr(small, attr) == getattr(whole, attr), attr
        assert small.records.keys() == whole.records.keys() and small.dev_values.keys() == whole.dev_values.keys()
    assert len(fast[dev_pauses_run.path.name].dev_values) == 6 + 13


# --------------------------------------------------------------------------- refused input


def test_inconsistent_framing_is_refused(short_run) -> None:
    data = short_run.data
    (data_size,) = struct.unpack_from("<I", data, 4)

    def with_size(size: int) -> bytes:
        return data[:4] + struct.pack("<I", size) + data[8:]

    assert fitframe.extract(with_size(data_size + 1)) is None  # the section's CRC runs past the file
    assert fitframe.extract(with_size(data_size - 1)) is None  # last message runs past it
    assert fitframe.extract(with_size(data_size + 100)) is None  # section runs past the file
    assert fitframe.extract(data[: len(data) // 2]) is None  # cut short
    assert fitframe.extract(data + b"\x00") is None  # trailing byte
    assert fitframe.extract(b"") is None
    assert fitframe.extract(data[:14] + b"\x05" + data[15:]) is None  # data message, undefined local type


def test_corrupt_size_falls_back_to_fitparse(short_run) -> None:
    """A corrupt size: extract() refuses it, and fitfast too, so the file goes to fitparse."""
    data = short_run.data
    bad = data[:4] + struct.pack("<I", struct.unpack_from("<I", data, 4)[0] + 1) + data[8:]
    assert fitframe.extract(bad) is None
    assert decoders.decode_fitfast(bad) is None
    with pytest.raises(fit.FitError, match="CRC"):
        fit.read(bad, name="bad.fit")  # python-fitparse's verdict on it


# --------------------------------------------------------------------------- hand-built files


def fit_file(*messages: bytes, header_size: int = 14) -> bytes:
    body = b"".join(messages)
    head = struct.pack("<BBHI4s", header_size, 0x20, 2132, len(body), b".FIT")
    if header_size == 14:
        head += struct.pack("<H", reference_crc(head))
    return head + body + struct.pack("<H", reference_crc(head + body))


def definition(local: int, number: int, fields: list[tuple[int, int, int]], big_endian: bool = False) -> bytes:
    arch, num = (1, struct.pack(">H", number)) if big_endian else (0, struct.pack("<H", number))
    return bytes([0x40 | local, 0, arch]) + num + bytes([len(fields)]) + b"".join(bytes(f) for f in fields)


# file_id: type (enum), manufacturer (uint16), time_created (uint32); session: timestamp, sport
FILE_ID_FIELDS = [(0, 1, 0x00), (1, 2, 0x84), (4, 4, 0x86)]
SESSION_FIELDS = [(253, 4, 0x86), (5, 1, 0x00)]
RECORD_FIELDS = [(253, 4, 0x86), (3, 1, 0x02)]  # timestamp, heart_rate


def test_big_endian_definitions_keep_their_message_number() -> None:
    """Global 18 written big-endian is 0x0012; read little-endian it would be 0x1200 (dropped)."""
    data = fit_file(
        definition(0, 0, FILE_ID_FIELDS, big_endian=True),
        b"\x00" + struct.pack(">BHI", 4, 1, 1_000_000_000),
        definition(1, 18, SESSION_FIELDS, big_endian=True),
        b"\x01" + struct.pack(">IB", 1_000_000_100, 1),
        definition(2, 20, RECORD_FIELDS, big_endian=True),
        b"\x02" + struct.pack(">IB", 1_000_000_050, 150),
    )
    small = assert_same_summaries(data)
    parsed = fitfast.parse(small, enum_names=False)
    assert parsed["session"][0]["sport"] == 1 and "record" not in parsed


def test_compressed_timestamps_only_in_dropped_messages() -> None:
    records = definition(0, 20, [(3, 1, 0x02)])  # heart_rate only: time comes from the header
    stamped = definition(1, 20, RECORD_FIELDS)
    session = definition(2, 18, SESSION_FIELDS)
    base = [stamped, b"\x01" + struct.pack("<IB", 1_000_000_000, 140), records]
    # headers 0x81, 0x82: compressed timestamp (bit 7), local type 0 (bits 5-6), offset 1 and 2 s
    dropped = fit_file(*base, b"\x81\x91", b"\x82\x92", session, b"\x02" + struct.pack("<IB", 1_000_000_010, 1))
    assert fitfast.records(dropped, "record")["heart_rate"].tolist() == [140.0, 145.0, 146.0]
    small = assert_same_summaries(dropped)
    assert "record" not in fitfast.parse(small)


def test_compressed_timestamp_in_a_copied_message_is_refused_and_decoded_whole() -> None:
    """Its time would come from a dropped record: extract() refuses, the decoder parses the file."""
    lap = definition(3, 19, [(25, 1, 0x00)])  # lap with only sport: the time is in the header
    data = fit_file(
        definition(1, 20, [*RECORD_FIELDS, (5, 4, 0x86)]),  # + distance (else: fitparse's job)
        b"\x01" + struct.pack("<IBI", 1_000_000_000, 140, 1000),
        lap,
        b"\xe3\x01",  # compressed header, local type 3, offset 3 s
    )
    assert fitframe.extract(data) is None
    dec = decoders.decode_fitfast(data)
    assert dec is not None and dec.decoder == "fitfast"
    assert dec.laps == fitfast.parse(data, enum_names=False)["lap"]
    assert dec.laps[0] == {"timestamp": 1_000_000_003 + FIT_EPOCH_UNIX, "sport": 1}


def test_developer_field_definitions_are_framed() -> None:
    """A definition with developer fields (header bit 0x20): their sizes count in the data size."""
    dev_id = definition(0, 207, [(1, 16, 0x0D), (3, 1, 0x02)])  # application_id, developer_data_index
    desc = definition(1, 206, [(0, 1, 0x02), (1, 1, 0x02), (2, 1, 0x02), (3, 8, 0x07)])
    record = bytes([0x60 | 2]) + definition(2, 20, RECORD_FIELDS)[1:] + bytes([1, 0, 2, 0])  # 1 dev field, 2 bytes
    data = fit_file(
        dev_id,
        b"\x00" + bytes(range(16)) + b"\x00",
        desc,
        b"\x01" + bytes([0, 0, 0x84]) + b"Power\x00\x00\x00",
        record,
        b"\x02" + struct.pack("<IBH", 1_000_000_000, 150, 250),
        b"\x02" + struct.pack("<IBH", 1_000_000_001, 151, 260),
    )
    assert fitfast.records(data, "record")["Power"].tolist() == [250.0, 260.0]
    assert_same_summaries(data)
    record_with_wrong_size = record[:-2] + bytes([3, 0])  # 3 dev bytes: the messages overrun the section
    assert fitframe.extract(data.replace(record, record_with_wrong_size)) is None


def test_twelve_byte_header_becomes_fourteen() -> None:
    messages = [definition(1, 18, SESSION_FIELDS), b"\x01" + struct.pack("<IB", 1_000_000_010, 1)]
    twelve, fourteen = fit_file(*messages, header_size=12), fit_file(*messages)
    assert fitframe.extract(twelve) == fitframe.extract(fourteen) == fourteen


def test_no_summary_messages_gives_an_empty_valid_file() -> None:
    data = fit_file(definition(0, 20, RECORD_FIELDS), b"\x00" + struct.pack("<IB", 1_000_000_000, 140))
    small = fitframe.extract(data)
    assert [len(body) for _head, body in sections(small)] == [0]
    assert fitfast.parse(small) == {}


# --------------------------------------------------------------------------- same-named developer fields


def test_same_named_developer_fields_get_their_own_keys_and_values() -> None:
    """fitfast merges developer fields by name (its columns are keyed by name), so such a file
    goes to python-fitparse, and the repeat is keyed ``<app>:<name>#<number>``."""
    app = bytes(range(16))
    dev_id = definition(0, 207, [(1, 16, 0x0D), (3, 1, 0x02)])
    desc = definition(1, 206, [(0, 1, 0x02), (1, 1, 0x02), (2, 1, 0x02), (3, 8, 0x07)])
    record = bytes([0x62]) + definition(2, 20, [*RECORD_FIELDS, (5, 4, 0x86)])[1:] + bytes([2, 0, 2, 0, 1, 2, 0])
    rows = [b"\x02" + struct.pack("<IBIHH", 1_000_000_000 + i, 150, 300 * i, 200 + i, 900 + i) for i in range(3)]
    session = definition(3, 18, [(253, 4, 0x86), (2, 4, 0x86), (5, 1, 0x00), (7, 4, 0x86)])
    data = fit_file(
        dev_id,
        b"\x00" + app + b"\x00",
        desc,
        b"\x01" + bytes([0, 0, 0x84]) + b"Power\x00\x00\x00",
        b"\x01" + bytes([0, 1, 0x84]) + b"Power\x00\x00\x00",
        record,
        *rows,
        session,
        b"\x03" + struct.pack("<IIBI", 1_000_000_003, 1_000_000_000, 1, 3000),
    )
    assert list(fitfast.records(data, "record")).count("Power") == 1  # one column for two fields
    assert decoders.decode_fitfast(data) is None
    run = fit.read(data, name="dup.fit")
    assert run.decoder == "fitparse"
    first, repeat = f"{app.hex()}:Power", f"{app.hex()}:Power#1"
    assert [d.key for d in run.developer_fields] == [first, repeat]
    assert run.developer[first].tolist() == [200.0, 201.0, 202.0]
    assert run.developer[repeat].tolist() == [900.0, 901.0, 902.0]
