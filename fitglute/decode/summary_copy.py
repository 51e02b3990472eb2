"""Copy the few summary messages of a FIT file into a small, valid FIT file. Framing only.

Why this exists: fitfast decodes a whole file on every call. ``fitfast.records(data, "record")``
is the one call the per-second columns need; asking it for ``session``, ``lap``, ``device_info``
and ``file_id`` too, one call each, decoded the whole file four more times (a 1-hour run: ~5 ms
of records, ~15 ms of summaries). A run file is >95 % ``record`` messages, so instead this
module walks the message *headers* once, in pure Python, and copies the definition and data
messages of the wanted global message numbers — byte for byte — into a new small FIT file with a
correct 14-byte header (and header CRC) and file CRC. One ``fitfast.parse()`` of that small file
then decodes the summaries. This module never decodes a field value: it only knows how long each
message is, so every field is still decoded by fitfast.

What the walk understands (FIT protocol 1.0/2.0): 12- and 14-byte file headers; chained files
(several header + data + CRC sections, each copied to its own section); definition messages of
either architecture, with developer field definitions (header bit 0x20); data messages with a
normal header (local type in bits 0–3) or a compressed-timestamp header (bit 0x80, local type in
bits 5–6). A compressed-timestamp message of a *copied* type would get its time from a message
that was dropped, so it is refused like every other surprise: :func:`extract` returns None on
anything it does not understand (a size running past its section, a data message of an
undefined local type, an odd header, trailing bytes) and the caller decodes the original file
instead. The file CRCs are not checked here: the caller has fitfast decode the original first.
"""

from __future__ import annotations

import struct

FILE_ID, SPORT, SESSION, LAP, DEVICE_INFO = 0, 12, 18, 19, 23
FIELD_DESCRIPTION, DEVELOPER_DATA_ID = 206, 207
#: the messages fitglute reads besides ``record``; developer ids and descriptions are needed to
#: decode developer fields in them, and give the names of the developer fields of ``record``
SUMMARY_MESSAGES = frozenset({FILE_ID, SPORT, SESSION, LAP, DEVICE_INFO, FIELD_DESCRIPTION, DEVELOPER_DATA_ID})

_HEADER = struct.Struct("<BBHI4s")  # size, protocol version, profile version, data size, ".FIT"
_SIGNATURE = b".FIT"
_RUN = 256  # messages looked at per slice when skipping identical ones (bounds the slice size)


def _crc_tables() -> tuple[tuple[int, ...], ...]:
    """CRC-16/ARC byte table, and the same followed by 1, 2, 3 zero bytes (for 4 bytes a step)."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    tables = [table]
    for _ in range(3):
        tables.append([(c >> 8) ^ table[c & 0xFF] for c in tables[-1]])
    return tuple(tuple(t) for t in tables)


_T1, _T2, _T3, _T4 = _crc_tables()


def crc16(data: bytes | bytearray, crc: int = 0) -> int:
    """The FIT SDK's CRC-16 (CRC-16/ARC: reflected 0x8005, init 0), four bytes a step.

    The summary copies are 1–15 KB, where this pure-Python CRC is the largest cost of the walk.
    """
    whole = len(data) - len(data) % 4
    it = iter(memoryview(data)[:whole])
    for b0, b1, b2, b3 in zip(it, it, it, it, strict=True):
        crc = _T4[(crc ^ b0) & 0xFF] ^ _T3[((crc >> 8) ^ b1) & 0xFF] ^ _T2[b2] ^ _T1[b3]
    for byte in data[whole:]:
        crc = (crc >> 8) ^ _T1[(crc ^ byte) & 0xFF]
    return crc


def extract(
    data: bytes, keep: frozenset[int] = SUMMARY_MESSAGES, *, cut_ok: bool = False, defined: set[int] | None = None
) -> bytes | None:
    """A valid FIT file holding only the messages of ``keep`` (global numbers), or None.

    None means the walk met something it does not understand; decode ``data`` itself then. A file
    with none of the wanted messages gives a FIT file with an empty data section.

    ``cut_ok``: a file cut short (its last message runs past the end of the bytes, or past the end
    its header announces) gives the whole messages before the cut. Nothing follows a cut, so the
    copy holds every wanted message the file still has (the sport pre-check needs no more).
    ``defined`` collects the global number of every message type the file defines.
    """
    whole = _extract(data, keep, cut_ok=False, defined=defined)
    return whole if whole is not None or not cut_ok else _extract(data, keep, cut_ok=True, defined=defined)


def _extract(data: bytes, keep: frozenset[int], *, cut_ok: bool, defined: set[int] | None) -> bytes | None:
    sections: list[bytes] = []
    pos, n = 0, len(data)
    protocol = profile = 0
    while pos < n:
        if n - pos < 12:
            return None
        size, protocol, profile, data_size, signature = _HEADER.unpack_from(data, pos)
        end = pos + size + data_size
        if size not in (12, 14) or signature != _SIGNATURE:
            return None
        cut = cut_ok and end + 2 >= n  # the last section: walk to the last byte (its CRC may be cut)
        if cut and pos + size > n:
            return None  # cut inside the header: nothing to walk
        if cut:
            end = n
        elif end + 2 > n:
            return None
        body = _copy_messages(data, pos + size, end, keep, cut=cut, defined=defined)
        if body is None:
            return None
        if body:
            sections.append(_section(protocol, profile, body))
        pos = end + 2  # skip this section's file CRC (past the end after a cut section)
    if pos == 0:
        return None
    return b"".join(sections) if sections else _section(protocol, profile, bytearray())


def _section(protocol: int, profile: int, body: bytearray) -> bytes:
    """14-byte header with its CRC, the messages, and the file CRC over header + messages."""
    head = _HEADER.pack(14, protocol, profile, len(body), _SIGNATURE)
    head += struct.pack("<H", crc16(head))
    # a header that ends in its own CRC leaves the CRC state at 0, so this also equals the CRC of
    # the messages alone, which is what fitfast checks (it rejects files whose header CRC is 0)
    return head + body + struct.pack("<H", crc16(body, crc16(head)))


def _copy_messages(
    data: bytes, pos: int, end: int, keep: frozenset[int], *, cut: bool = False, defined: set[int] | None = None
) -> bytearray | None:
    """The messages of one section whose global number is in ``keep``, or None if inconsistent.

    ``cut``: a message running past ``end`` ends the walk (a file cut there), whole messages kept.
    """
    out = bytearray()
    sizes = [-1] * 16  # data message length per local type (-1: not defined in this section)
    kept = [False] * 16
    while pos < end:
        header = data[pos]
        if header & 0x80:  # compressed-timestamp header: a data message of local type 0-3
            local = (header >> 5) & 0x03
            if sizes[local] < 0 or kept[local]:
                return None  # undefined, or its time would come from a message we drop
            pos += 1 + sizes[local]
        elif header & 0x40:  # definition message
            if pos + 6 > end:
                return out if cut else None
            arch = data[pos + 2]
            if arch > 1:
                return None
            number = data[pos + 3] | data[pos + 4] << 8 if arch == 0 else data[pos + 3] << 8 | data[pos + 4]
            fields_end = pos + 6 + 3 * data[pos + 5]
            length = sum(data[pos + 7 : fields_end : 3])  # (number, size, base type) triples
            if header & 0x20:  # developer fields: count, then (number, size, developer index)
                if fields_end >= end:
                    return out if cut else None
                dev_end = fields_end + 1 + 3 * data[fields_end]
                length += sum(data[fields_end + 2 : dev_end : 3])
                fields_end = dev_end
            if fields_end > end:
                return out if cut else None
            local = header & 0x0F
            sizes[local], kept[local] = length, number in keep
            if defined is not None:
                defined.add(number)
            if kept[local]:
                out += data[pos:fields_end]
            pos = fields_end
        else:  # data message, normal header
            local = header & 0x0F
            length = sizes[local]
            if length < 0:
                return None
            step = 1 + length
            if kept[local]:
                if cut and pos + step > end:
                    return out
                out += data[pos : pos + step]
                pos += step
            else:
                # skip a run of messages with this same header byte (the record stream) in C:
                # each one starts where the previous ends, so their header bytes lie `step` apart
                heads = data[pos : min(end, pos + _RUN * step) : step]
                pos += step * (len(heads) - len(heads.lstrip(heads[:1])))
    return out if pos == end or (cut and pos > end) else None
