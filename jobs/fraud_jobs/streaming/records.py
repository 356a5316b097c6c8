"""Parse and validate one Kafka message into a transaction, or say exactly why not.

Pure Python, no Spark: the stream collects a micro-batch's raw values on the driver and
runs them through :func:`parse`, so every rejection carries a reason a person can act on
and the rules are unit-tested without a cluster.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from fraud_jobs.schema import CATEGORIES, TRANSACTION_FIELDS

# Amounts above this are not card payments we score; they are data errors (a price in
# cents sent as dollars, a duplicated digit) and go to the dead-letter table instead.
MAX_AMOUNT = 50_000.0
# A transaction time outside [2000-01-01, now + 1 day] is a clock or encoding error.
MIN_UNIX_TIME = 946_684_800
FUTURE_SLACK_SECONDS = 86_400

REQUIRED = tuple(name for name, _ in TRANSACTION_FIELDS if name != "is_fraud")
_TYPES = dict(TRANSACTION_FIELDS)
_CATEGORY_SET = frozenset(CATEGORIES)


class Invalid(ValueError):
    """A message that cannot be scored; ``str()`` is the dead-letter reason."""


@dataclass(frozen=True)
class Transaction:
    cc_num: str
    first: str
    last: str
    trans_num: str
    trans_date: str
    trans_time: str
    unix_time: int
    category: str
    amt: float
    merchant: str
    merch_lat: float
    merch_long: float
    is_fraud: int | None

    def as_row(self) -> tuple:
        """Values in :data:`TRANSACTION_FIELDS` order (the Spark schema of a batch)."""
        return tuple(getattr(self, name) for name, _ in TRANSACTION_FIELDS)


def parse(raw: bytes | str | None, now: float | None = None) -> Transaction:
    """The transaction in ``raw`` (JSON), or raise :class:`Invalid` with the reason."""
    if raw is None:
        raise Invalid("empty message (null value)")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        doc = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"malformed JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise Invalid(f"expected a JSON object, got {type(doc).__name__}")
    missing = [name for name in REQUIRED if doc.get(name) is None]
    if missing:
        raise Invalid(f"missing field(s): {', '.join(missing)}")
    values = {name: _typed(name, doc[name]) for name in REQUIRED}
    label = doc.get("is_fraud")
    values["is_fraud"] = None if label is None else _label(label)
    _check_ranges(values, datetime.now(UTC).timestamp() if now is None else now)
    return Transaction(**values)


def _typed(name: str, value: object) -> object:
    kind = _TYPES[name]
    if kind == "string":
        # Card numbers are often sent as JSON numbers; they are identifiers, not amounts.
        if name == "cc_num" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"field {name!r} must be a non-empty string, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"field {name!r} must be a number, got {value!r}")
    if kind == "long":
        if isinstance(value, float) and not value.is_integer():
            raise Invalid(f"field {name!r} must be a whole number of seconds, got {value!r}")
        return int(value)
    if not math.isfinite(value):
        raise Invalid(f"field {name!r} must be finite, got {value!r}")
    return float(value)


def _label(value: object) -> int:
    if value in (0, 1) and not isinstance(value, float | bool):
        return int(value)
    raise Invalid(f"field 'is_fraud' must be 0 or 1 when present, got {value!r}")


def _check_ranges(v: dict, now: float) -> None:
    amt = v["amt"]
    if amt <= 0:
        raise Invalid(f"amount must be positive, got amt={amt}")
    if amt > MAX_AMOUNT:
        raise Invalid(f"absurd amount amt={amt} (above {MAX_AMOUNT:.0f})")
    if not -90 <= v["merch_lat"] <= 90 or not -180 <= v["merch_long"] <= 180:
        raise Invalid(f"merchant location out of range: lat={v['merch_lat']}, long={v['merch_long']}")
    if not MIN_UNIX_TIME <= v["unix_time"] <= now + FUTURE_SLACK_SECONDS:
        raise Invalid(f"unix_time={v['unix_time']} is not a plausible transaction time")
    if v["category"] not in _CATEGORY_SET:
        raise Invalid(f"unknown category {v['category']!r}; expected one of schema.CATEGORIES")
