"""Write ``fitglute/decode/profile_tables.py`` from python-fitparse's FIT profile.

Why: the fast path needs a handful of FIT name tables (sport, sub_sport, manufacturer, Garmin
products, source types, activity types, the ``record`` field names). Importing fitparse for them
cost ~65 ms of every ``fitglute analyze``; the generated module is a few dict literals.
``tests/test_profile_tables.py`` checks the module against fitparse's profile, so a fitparse
upgrade that changes a name fails CI until this script is run again:

    .venv/bin/python dev/tools/gen_profile_tables.py
"""

from __future__ import annotations

from pathlib import Path

from fitparse import profile

TYPES = ("sport", "sub_sport", "manufacturer", "garmin_product", "source_type", "activity_type")
OUT = Path(__file__).resolve().parents[2] / "fitglute" / "decode" / "profile_tables.py"


def record_field_names() -> list[str]:
    names = {"timestamp"}
    for f in profile.MESSAGE_TYPES[20].fields.values():
        names.add(f.name)
        names.update(sf.name for sf in (f.subfields or ()))
    return sorted(names)


def main() -> None:
    from importlib.metadata import version

    lines = [
        f'"""FIT profile name tables, generated from python-fitparse {version("python-fitparse")}\'s profile.',
        "",
        "Do not edit: run ``dev/tools/gen_profile_tables.py``. ``tests/test_profile_tables.py`` checks",
        "these against fitparse's profile. Kept here so the fast path never imports fitparse.",
        '"""',
        "",
        "# fmt: off",
        "ENUMS: dict[str, dict[int, str]] = {",
    ]
    for name in TYPES:
        values = profile.FIELD_TYPES[name].values
        lines.append(f"    {name!r}: {{")
        lines.extend(f"        {k}: {v!r}," for k, v in sorted(values.items()))
        lines.append("    },")
    lines.append("}")
    lines.append("")
    lines.append("#: every native ``record`` field name (incl. sub-fields)")
    lines.append("RECORD_FIELD_NAMES: frozenset[str] = frozenset({")
    lines.extend(f"    {n!r}," for n in record_field_names())
    lines.append("})")
    lines.append("# fmt: on")
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
