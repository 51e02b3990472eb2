"""FIT profile names: enum numbers → names, product numbers → Garmin product names.

python-fitparse's profile is the reference; its tables are copied into
:mod:`fitglute.decode.profile_tables` (generated, checked against fitparse by a test) so that the
fast path never imports fitparse (~65 ms of start-up).
"""

from __future__ import annotations

import math
from typing import Any

from fitglute.decode.profile_tables import ENUMS, RECORD_FIELD_NAMES


def record_field_names() -> frozenset[str]:
    """Every native ``record`` field name (incl. sub-fields): anything else is a developer field."""
    return RECORD_FIELD_NAMES


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
    values = ENUMS[type_name]
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
