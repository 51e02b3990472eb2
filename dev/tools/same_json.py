"""Compare two ``fitglute analyze --json`` outputs (JSON Lines) object by object.

Used to show that a speed change changed no result: ``same_json.py BEFORE.jsonl AFTER.jsonl``
prints each difference and exits 1 when there is any. ``--ignore KEY`` drops a key on both sides
(e.g. a timing field); the file path is compared as given.
"""

from __future__ import annotations

import argparse
import json
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--ignore", action="append", default=[], help="a top-level key to leave out")
    args = ap.parse_args()
    with open(args.before) as a, open(args.after) as b:
        left = [json.loads(line) for line in a if line.strip()]
        right = [json.loads(line) for line in b if line.strip()]
    for obj in (*left, *right):
        for key in args.ignore:
            obj.pop(key, None)
    differ = 0
    if len(left) != len(right):
        print(f"{len(left)} objects before, {len(right)} after")
        differ += 1
    for x, y in zip(left, right, strict=False):
        if x != y:
            differ += 1
            keys = sorted(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
            print(f"{x.get('file')}: differs in {', '.join(keys)}")
    print(f"{len(left)} objects compared, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
