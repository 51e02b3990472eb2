"""FIT profile names: enum numbers → names, product numbers → Garmin product names.

python-fitparse's profile tables are the reference; they are read here, lazily and once.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any


@cache
def _field_types() -> dict[str, Any]:
    from fitparse import profile

    return profile.FIELD_TYPES


@cache
def record_field_names() -> frozenset[str]:
    """Every native ``record`` field name (incl. sub-fields): anything else is a developer field."""
    from fitparse import profile

    names = {"timestamp"}
    for f in profile.MESSAGE_TYPES[20].fields.values():
        names.add(f.name)
        names.update(sf.name for sf in (f.subfields or ()))
    return frozenset(names)


def enum_name(type_name: str, value: Any) -> str | None:
    """FIT enum number → profile name (``1`` → ``"running"``); names pass through."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        if not math.isfinite(value):  # math, not numpy: ~20x faster on a scalar
            return None
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    values = _field_types()[type_name].values
    return str(values.get(number, number))


def product_name(manufacturer: Any, product: Any) -> str | None:
    """Product number → Garmin product name where known, else the number as text."""
    if product is None:
        return None
    if isinstance(product, str):
        return product
    if enum_name("manufacturer", manufacturer) in ("garmin", "dynastream", "dynastream_oem"):
        return enum_name("garmin_product", product)
    try:
        return str(int(product)) if math.isfinite(product) else None
    except (TypeError, ValueError, OverflowError):
        return None
