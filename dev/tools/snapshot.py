"""Behaviour-unchanged check: `analyze --json` of one source tree against another's.

A refactor or a speed-up must not change what fitglute says about a run. This writes one JSON
object per input file for a git revision (exported to a temporary folder and put first on
PYTHONPATH, so the installed venv's dependencies are used) or for the working tree, and compares
two such snapshots key by key.

    python dev/tools/snapshot.py write snap/before --rev 47508ec    # a past revision
    python dev/tools/snapshot.py write snap/after                   # the working tree
    python dev/tools/snapshot.py compare snap/before snap/after

Inputs: every file in ../shared/fit plus the bundled demo run; plugins off (FITGLUTE_PLUGINS=0)
so only core behaviour is compared. Nothing here is imported by fitglute or its tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "fit"
DEMO = ROOT / "fitglute" / "data"
VOLATILE = ("sha256",)  # identical content either way; left out to keep diffs short


def inputs() -> list[Path]:
    files = sorted(p for p in CORPUS.iterdir() if p.suffix == ".fit") if CORPUS.is_dir() else []
    return files + sorted(DEMO.glob("*.fit*"))


def export(rev: str, into: Path) -> Path:
    """The tree of `rev` unpacked under `into` (no checkout, no work tree touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    tar = into / "tree.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into / "tree", filter="data")
    return into / "tree"


def write(out: Path, rev: str | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tree = export(rev, Path(tmp)) if rev else ROOT
        env = {**os.environ, "FITGLUTE_PLUGINS": "0", "FITGLUTE_HOME": str(Path(tmp) / "home"),
               "PYTHONPATH": str(tree)}
        for path in inputs():
            proc = subprocess.run([sys.executable, "-m", "fitglute", "analyze", str(path), "--json"],
                                  capture_output=True, text=True, env=env, cwd=tmp)
            record = {"exit": proc.returncode, "stderr": proc.stderr.strip().splitlines()[-1:]}
            lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
            for obj in lines:
                for key in VOLATILE:
                    obj.pop(key, None)
            record["json"] = lines
            (out / f"{path.name}.json").write_text(json.dumps(record, indent=1, sort_keys=True))
    print(f"{len(inputs())} files written to {out}")


def compare(a: Path, b: Path) -> int:
    names = sorted({p.name for p in a.glob("*.json")} | {p.name for p in b.glob("*.json")})
    differing = 0
    for name in names:
        left = json.loads((a / name).read_text()) if (a / name).exists() else None
        right = json.loads((b / name).read_text()) if (b / name).exists() else None
        if left != right:
            differing += 1
            print(f"differs: {name}")
            if left and right:
                for la, rb in zip(left["json"], right["json"], strict=False):
                    for key in sorted(set(la) | set(rb)):
                        if la.get(key) != rb.get(key):
                            print(f"  {key}: {json.dumps(la.get(key))[:200]} -> {json.dumps(rb.get(key))[:200]}")
    print(f"{len(names)} files compared, {differing} differing")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--rev", help="a git revision (default: the working tree)")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.cmd == "write":
        write(args.out, args.rev)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
