"""Backfill benchmark: N generated one-hour runs into a fresh history database.

    .venv/bin/python benchmarks/bench_import.py            # N = 1000
    .venv/bin/python benchmarks/bench_import.py --n 200 --workers 2 --sample 5

Prints runs/s of ``fitglute import`` (hash → parallel decode + analysis → one SQLite transaction
per run → history re-judge) and the ratio to a plain python-fitparse, single-process import of a
sample of the same files (decode every message, average the dynamics, insert one row).
Target (issue #5): 1,000 one-hour runs in ≤ 20 s on 2 cores. Every installed plugin runs (the
output lists them; ``FITGLUTE_PLUGINS`` selects them, as for any fitglute command). The CPU
seconds of the workers and the parent are printed too: on a shared machine the wall time says
little, the CPU time says what two idle cores would need.

How N distinct files are made cheaply: fit_tool needs ~0.5 s per one-hour run, so only ``--base``
runs (default 20, one per week, varied seeds and balance) are synthesised; each copy then gets a
new ``file_id`` serial number and ``time_created`` — a different sha256, so the importer treats
it as a new run — and its file CRC is recomputed. The CRC (CRC-16/ARC, init 0, no final xor) is
linear, so the new CRC is the old one XOR the CRC of the sparse byte difference; the long run of
zero bytes after the changed header is skipped with a 16×16 GF(2) matrix power instead of a
150,000-step loop. Every copy stays a valid FIT file (the fitparse baseline checks the CRC).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from fitglute.decode.summary_copy import crc16

# ------------------------------------------------------------ FIT CRC-16 (fitglute.decode.summary_copy.crc16)


def _zero_byte_matrix() -> list[int]:
    """Column j = the state after feeding one zero byte to the state with only bit j set."""
    return [crc16(b"\x00", 1 << j) for j in range(16)]


def _apply(matrix: list[int], state: int) -> int:
    out = 0
    for j in range(16):
        if state >> j & 1:
            out ^= matrix[j]
    return out


def _compose(a: list[int], b: list[int]) -> list[int]:
    """a ∘ b: first b, then a."""
    return [_apply(a, col) for col in b]


@cache
def _zeros_matrix(n: int) -> tuple[int, ...]:
    """The effect of n zero bytes on the CRC state, by square-and-multiply."""
    result = [1 << j for j in range(16)]
    power = _zero_byte_matrix()
    while n:
        if n & 1:
            result = _compose(power, result)
        power = _compose(power, power)
        n >>= 1
    return tuple(result)


def patched_crc(old_crc: int, old: bytes, new: bytes, start: int, length: int) -> int:
    """CRC of a ``length``-byte message equal to a known one except in ``old`` → ``new`` at ``start``."""
    delta = bytes(x ^ y for x, y in zip(old, new, strict=True))
    state = crc16(delta)  # the bytes before ``start`` are zero in the difference: state stays 0
    trailing = length - start - len(delta)
    return old_crc ^ _apply(list(_zeros_matrix(trailing)), state)


# --------------------------------------------------------------------------- file_id rewriting


def file_id_offsets(data: bytes) -> tuple[int, int]:
    """Byte offsets of file_id.serial_number and file_id.time_created (both uint32)."""
    header = data[0]
    pos, end = header, header + struct.unpack_from("<I", data, 4)[0]
    defs: dict[int, tuple[int, str, list[tuple[int, int]], int]] = {}
    while pos < end:
        h = data[pos]
        pos += 1
        if h & 0x80:
            raise ValueError("compressed-timestamp header before file_id")
        if h & 0x40:  # definition message
            arch = data[pos + 1]
            endian = ">" if arch else "<"
            gmsg = struct.unpack_from(endian + "H", data, pos + 2)[0]
            nfields = data[pos + 4]
            fields = [(data[pos + 5 + 3 * i], data[pos + 6 + 3 * i]) for i in range(nfields)]
            pos += 5 + 3 * nfields
            dev = 0
            if h & 0x20:
                ndev = data[pos]
                dev = sum(data[pos + 2 + 3 * i] for i in range(ndev))
                pos += 1 + 3 * ndev
            defs[h & 0x0F] = (gmsg, endian, fields, dev)
            continue
        gmsg, endian, fields, dev = defs[h & 0x0F]
        offsets = {}
        for num, size in fields:
            offsets[num] = pos
            pos += size
        pos += dev
        if gmsg == 0:
            if endian != "<" or 3 not in offsets or 4 not in offsets:
                raise ValueError("file_id without little-endian serial_number/time_created")
            return offsets[3], offsets[4]
    raise ValueError("no file_id message")


def variant(data: bytes, crc: int, offsets: tuple[int, int], k: int) -> bytes:
    """Copy ``k`` of a base file: new serial number and time_created, CRC patched."""
    serial_at, created_at = offsets
    lo, hi = min(offsets), max(offsets) + 4
    buf = bytearray(data)
    serial = struct.unpack_from("<I", data, serial_at)[0]
    created = struct.unpack_from("<I", data, created_at)[0]
    struct.pack_into("<I", buf, serial_at, (serial + 7919 * (k + 1)) % 0xFFFFFFFE or 1)
    struct.pack_into("<I", buf, created_at, created + k + 1)
    length = len(data) - 2
    new_crc = patched_crc(crc, data[lo:hi], bytes(buf[lo:hi]), lo, length)
    struct.pack_into("<H", buf, length, new_crc)
    return bytes(buf)


# --------------------------------------------------------------------------- the workload


def make_files(folder: Path, n: int, base: int, duration_s: int) -> tuple[float, float]:
    """``base`` synthetic runs, then ``n`` distinct files from them → (synth s, copy s)."""
    from fitglute_devkit.synth import Scenario, write_run

    t0 = time.perf_counter()
    bases = []
    start = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
    for i in range(base):
        sc = Scenario(
            start=start + timedelta(days=7 * i),
            duration_s=duration_s,
            seed=1000 + i,
            balance_left_pct=50.0 + 0.2 * (i % 5),
            speed_mps=2.9 + 0.05 * (i % 4),
        )
        data, _ = write_run(None, sc)
        bases.append((data, struct.unpack_from("<H", data, len(data) - 2)[0], file_id_offsets(data)))
    t1 = time.perf_counter()
    for k in range(n):
        data, crc, offsets = bases[k % base]
        (folder / f"run{k:05d}.fit").write_bytes(variant(data, crc, offsets, k // base))
    return t1 - t0, time.perf_counter() - t1


def fitparse_import(paths: list[Path], db: Path) -> float:
    """The naive way: python-fitparse in one process, every message, one row per run → seconds."""
    import fitparse

    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE runs (path TEXT, start REAL, gct REAL, balance REAL, vo REAL, cadence REAL)")
    t0 = time.perf_counter()
    for p in paths:
        ff = fitparse.FitFile(str(p))
        cols: dict[str, list[float]] = {"stance_time": [], "stance_time_balance": [], "vertical_oscillation": []}
        cadence, start = [], None
        for msg in ff.get_messages():
            if msg.name == "session":
                start = msg.get_value("start_time")
            if msg.name != "record":
                continue
            v = msg.get_values()
            for key, out in cols.items():
                if v.get(key) is not None:
                    out.append(float(v[key]))
            if v.get("cadence"):
                cadence.append(2.0 * v["cadence"])
        means = [statistics.fmean(c) if c else None for c in (*cols.values(), cadence)]
        with conn:
            conn.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", (str(p), start.timestamp() if start else None, *means)
            )
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="runs to import (default 1000)")
    ap.add_argument("--base", type=int, default=20, help="distinct synthetic runs to derive them from")
    ap.add_argument("--minutes", type=int, default=60, help="length of each run (default 60)")
    ap.add_argument("--workers", type=int, default=2, help="import worker processes (default 2)")
    ap.add_argument("--sample", type=int, default=5, help="files in the plain-fitparse comparison")
    ap.add_argument("--keep", type=Path, help="keep the generated files and database in this folder")
    args = ap.parse_args(argv)
    assert crc16(b"123456789") == 0xBB3D, "CRC-16/ARC check value"

    from fitglute.sync.importer import import_paths

    work = args.keep or Path(tempfile.mkdtemp(prefix="fitglute-bench-import-"))
    files = work / "files"
    files.mkdir(parents=True, exist_ok=True)
    from fitglute.plugins import manager

    plugins = ", ".join(name for name, _ in manager().list_name_plugin())
    print(
        f"fitglute import benchmark: {args.n} runs of {args.minutes} min, {args.workers} workers, "
        f"{os.cpu_count()} CPUs, in {work}\n  plugins loaded: {plugins}"
    )
    synth_s, copy_s = make_files(files, args.n, min(args.base, args.n), args.minutes * 60)
    print(
        f"  files: {min(args.base, args.n)} synthesised in {synth_s:.1f} s, {args.n} distinct copies "
        f"(serial/time_created rewritten, CRC patched) in {copy_s:.2f} s"
    )
    db = work / "history.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    cpu0 = os.times()
    report = import_paths([str(files)], db=db, workers=args.workers)
    cpu1 = os.times()
    rate = len(report.imported) / report.seconds
    print(
        f"  fitglute import: {len(report.imported)} runs in {report.seconds:.2f} s = {rate:.1f} runs/s "
        f"({len(report.failed)} failed, history re-judged for {report.rejudged} runs)"
    )
    parent = cpu1.user + cpu1.system - cpu0.user - cpu0.system
    workers = cpu1.children_user + cpu1.children_system - cpu0.children_user - cpu0.children_system
    print(
        f"  CPU time: workers {workers:.1f} s ({1000 * workers / max(args.n, 1):.1f} ms per run), parent "
        f"{parent:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        f"(CPU-bound estimate on {args.workers} idle cores: {(workers + parent) / args.workers:.1f} s)"
    )
    again = import_paths([str(files)], db=db, workers=args.workers)
    print(f"  re-import (every file already known): {len(again.known)} files in {again.seconds:.2f} s")
    sample = sorted(files.iterdir())[: args.sample]
    base_s = fitparse_import(sample, work / "fitparse.sqlite")
    base_rate = len(sample) / base_s
    print(
        f"  plain fitparse, single process, sample of {len(sample)}: {base_s / len(sample):.2f} s per run "
        f"= {base_rate:.2f} runs/s"
    )
    print(f"  ratio: fitglute import is {rate / base_rate:.0f}x plain fitparse")
    if args.n >= 1000 and args.minutes >= 60:
        per_1000 = 1000 / rate
        verdict = "PASS" if per_1000 <= 20 else "MISS"
        print(f"  target 1,000 one-hour runs in <= 20 s: {verdict} ({per_1000:.1f} s per 1,000)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
