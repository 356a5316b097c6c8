"""Seeded, vectorized generator of realistic customers and card transactions.

Legitimate spending: every card holder has a daily transaction rate, a spending level and
a personal mix of categories; amounts are log-normal per category; hours follow a daytime
curve, weekends are busier; merchants are mostly near home, a few far away (travel).

Fraud is injected the way it happens: a card is compromised and, over a few days, used in
a burst of transactions -- mostly online shopping, grocery and gas (card testing with tiny
amounts), large amounts, at night, far from home -- while its owner keeps using it
normally. A share of fraud is deliberately unremarkable (normal hours, amounts and places)
so the task is not trivially separable.

Everything is numpy arrays end to end; strings are built per output chunk. Output is CSV,
gzipped CSV or Parquet in the schema of fraud_jobs.schema.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fraud_jobs.schema import CATEGORIES, CUSTOMER_FIELDS, TRANSACTION_FIELDS

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("csv", "csv.gz", "parquet")
CHUNK_ROWS = 500_000

# (city, state, zip prefix, lat, long, relative population)
CITIES: tuple[tuple[str, str, str, float, float, float], ...] = (
    ("New York", "NY", "100", 40.7128, -74.0060, 8.3),
    ("Los Angeles", "CA", "900", 34.0522, -118.2437, 3.9),
    ("Chicago", "IL", "606", 41.8781, -87.6298, 2.7),
    ("Houston", "TX", "770", 29.7604, -95.3698, 2.3),
    ("Phoenix", "AZ", "850", 33.4484, -112.0740, 1.6),
    ("Philadelphia", "PA", "191", 39.9526, -75.1652, 1.6),
    ("San Antonio", "TX", "782", 29.4241, -98.4936, 1.5),
    ("San Diego", "CA", "921", 32.7157, -117.1611, 1.4),
    ("Dallas", "TX", "752", 32.7767, -96.7970, 1.3),
    ("Jacksonville", "FL", "322", 30.3322, -81.6557, 0.95),
    ("Austin", "TX", "787", 30.2672, -97.7431, 0.96),
    ("Columbus", "OH", "432", 39.9612, -82.9988, 0.9),
    ("Charlotte", "NC", "282", 35.2271, -80.8431, 0.87),
    ("Indianapolis", "IN", "462", 39.7684, -86.1581, 0.88),
    ("Seattle", "WA", "981", 47.6062, -122.3321, 0.74),
    ("Denver", "CO", "802", 39.7392, -104.9903, 0.72),
    ("Boston", "MA", "021", 42.3601, -71.0589, 0.69),
    ("Nashville", "TN", "372", 36.1627, -86.7816, 0.69),
    ("Detroit", "MI", "482", 42.3314, -83.0458, 0.67),
    ("Portland", "OR", "972", 45.5152, -122.6784, 0.65),
    ("Las Vegas", "NV", "891", 36.1699, -115.1398, 0.64),
    ("Memphis", "TN", "381", 35.1495, -90.0490, 0.65),
    ("Louisville", "KY", "402", 38.2527, -85.7585, 0.62),
    ("Baltimore", "MD", "212", 39.2904, -76.6122, 0.6),
    ("Milwaukee", "WI", "532", 43.0389, -87.9065, 0.59),
    ("Albuquerque", "NM", "871", 35.0844, -106.6504, 0.56),
    ("Kansas City", "MO", "641", 39.0997, -94.5786, 0.5),
    ("Omaha", "NE", "681", 41.2565, -95.9345, 0.48),
    ("Atlanta", "GA", "303", 33.7490, -84.3880, 0.5),
    ("Miami", "FL", "331", 25.7617, -80.1918, 0.47),
    ("Minneapolis", "MN", "554", 44.9778, -93.2650, 0.43),
    ("Cleveland", "OH", "441", 41.4993, -81.6944, 0.37),
    ("New Orleans", "LA", "701", 29.9511, -90.0715, 0.38),
    ("Salt Lake City", "UT", "841", 40.7608, -111.8910, 0.2),
    ("Boise", "ID", "837", 43.6150, -116.2023, 0.23),
    ("Billings", "MT", "591", 45.7833, -108.5007, 0.11),
    ("Fargo", "ND", "581", 46.8772, -96.7898, 0.12),
    ("Burlington", "VT", "054", 44.4759, -73.2121, 0.05),
    ("Anchorage", "AK", "995", 61.2181, -149.9003, 0.29),
    ("Honolulu", "HI", "968", 21.3069, -157.8583, 0.35),
)

FIRST_F = ("Mary", "Jennifer", "Linda", "Susan", "Karen", "Lisa", "Nancy", "Sandra", "Ashley",
           "Emily", "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Laura", "Rebecca",
           "Sharon", "Julie")
FIRST_M = ("James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Daniel",
           "Paul", "Mark", "Steven", "Andrew", "Kenneth", "Joshua", "Kevin", "Brian", "George", "Edward")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
        "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
        "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson")
STREETS = ("Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main", "Church",
           "River", "Sunset", "Highland", "Forest", "Meadow", "Ridge", "Spring", "Valley", "Walnut")
STREET_SUFFIXES = ("St", "Ave", "Rd", "Ln", "Dr", "Ct", "Blvd", "Way")
JOBS = ("Teacher", "Nurse", "Software engineer", "Accountant", "Electrician", "Sales manager", "Pharmacist",
        "Mechanic", "Lawyer", "Chef", "Police officer", "Civil engineer", "Dentist", "Architect", "Farmer",
        "Graphic designer", "Journalist", "Retail assistant", "Truck driver", "Librarian", "Physician",
        "Plumber", "Social worker", "Firefighter", "Data analyst", "Retired")
MERCHANT_WORDS = ("Blue", "Golden", "Summit", "Harbor", "Prairie", "Metro", "Corner", "Union", "Liberty",
                  "Pioneer", "Evergreen", "Riverside", "Central", "Northern", "Coastal", "Sterling")
MERCHANTS_PER_CATEGORY = 40

# Per category: population share, median amount, log-sd of amount, chance a legit
# purchase is far from home.
CATEGORY_PROFILE: dict[str, tuple[float, float, float, float]] = {
    "entertainment": (0.072, 40.0, 0.8, 0.03),
    "food_dining": (0.071, 28.0, 0.7, 0.03),
    "gas_transport": (0.101, 50.0, 0.5, 0.05),
    "grocery_net": (0.035, 45.0, 0.6, 0.0),
    "grocery_pos": (0.095, 60.0, 0.6, 0.01),
    "health_fitness": (0.066, 40.0, 0.7, 0.01),
    "home": (0.095, 45.0, 0.8, 0.01),
    "kids_pets": (0.087, 40.0, 0.7, 0.01),
    "misc_net": (0.049, 30.0, 0.9, 0.0),
    "misc_pos": (0.061, 30.0, 0.9, 0.02),
    "personal_care": (0.07, 25.0, 0.7, 0.01),
    "shopping_net": (0.075, 45.0, 0.9, 0.0),
    "shopping_pos": (0.09, 50.0, 0.9, 0.03),
    "travel": (0.031, 90.0, 1.1, 0.5),
}
# What stolen cards are used for: category share, median amount, log-sd.
FRAUD_PROFILE: dict[str, tuple[float, float, float]] = {
    "shopping_net": (0.25, 650.0, 0.5),
    "grocery_pos": (0.2, 300.0, 0.25),
    "misc_net": (0.13, 550.0, 0.6),
    "shopping_pos": (0.1, 600.0, 0.6),
    "gas_transport": (0.1, 9.0, 0.3),
    "misc_pos": (0.05, 250.0, 0.6),
    "travel": (0.05, 400.0, 0.8),
    "entertainment": (0.04, 300.0, 0.5),
    "home": (0.04, 250.0, 0.5),
    "food_dining": (0.04, 120.0, 0.5),
}
# Legitimate purchases by hour of day (relative).
HOUR_WEIGHTS = np.array([0.3, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.8, 1.1, 1.3, 1.5, 1.7,
                         2.0, 1.9, 1.7, 1.6, 1.7, 1.9, 2.1, 2.0, 1.7, 1.3, 0.9, 0.5])
NIGHT_HOURS = np.array([22, 23, 0, 1, 2, 3])
STEALTHY_FRAUD = 0.25


@dataclass(frozen=True)
class GeneratorConfig:
    customers: int = 1000
    days: int = 182
    start: date = date(2025, 1, 1)
    transactions: int | None = None  # target total; scales the spending rates
    fraud_rate: float = 0.007
    seed: int = 42

    def validate(self) -> None:
        if self.customers < 1:
            raise ValueError(f"--customers {self.customers}: need at least 1 customer")
        if self.days < 7:
            raise ValueError(f"--days {self.days}: need at least 7 days so fraud bursts fit")
        if not 0 <= self.fraud_rate < 0.5:
            raise ValueError(f"--fraud-rate {self.fraud_rate}: use a share between 0 and 0.5, e.g. 0.007")
        if self.transactions is not None and self.transactions < self.customers:
            raise ValueError(
                f"--transactions {self.transactions} is fewer than --customers {self.customers}; "
                "ask for more transactions or fewer customers"
            )


@dataclass
class Customers:
    cc_num: np.ndarray
    first: np.ndarray
    last: np.ndarray
    gender: np.ndarray
    street: np.ndarray
    city: np.ndarray
    state: np.ndarray
    zip: np.ndarray
    lat: np.ndarray
    long: np.ndarray
    job: np.ndarray
    dob: np.ndarray  # datetime64[D]

    def __len__(self) -> int:
        return len(self.cc_num)


@dataclass
class Transactions:
    """Numeric transaction columns, time-ordered; strings are built at write time."""

    customer: np.ndarray  # index into Customers
    unix_time: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    amt: np.ndarray
    merchant: np.ndarray  # index into merchant_names()
    merch_lat: np.ndarray
    merch_long: np.ndarray
    is_fraud: np.ndarray
    trans_num: np.ndarray  # 32-char hex strings

    def __len__(self) -> int:
        return len(self.unix_time)


def merchant_names() -> list[str]:
    names = []
    for c, category in enumerate(CATEGORIES):
        label = category.split("_")[0].capitalize()
        for m in range(MERCHANTS_PER_CATEGORY):
            word = MERCHANT_WORDS[(m + 3 * c) % len(MERCHANT_WORDS)]
            names.append(f"{word} {label} {'Co' if m % 2 else 'LLC'} #{m + 1:02d}")
    return names


def _pick(rng: np.random.Generator, values: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]


def make_customers(config: GeneratorConfig, rng: np.random.Generator) -> Customers:
    n = config.customers
    # 16-digit card numbers starting with 4, unique: oversample, deduplicate, shuffle.
    numbers = np.unique(rng.integers(10**14, 10**15, 2 * n + 16))
    cc_num = np.array([f"4{v}" for v in rng.permutation(numbers)[:n]], dtype=object)
    gender = np.where(rng.random(n) < 0.5, "F", "M").astype(object)
    first = np.where(gender == "F", _pick(rng, FIRST_F, n), _pick(rng, FIRST_M, n))
    weights = np.array([c[5] for c in CITIES])
    city_idx = rng.choice(len(CITIES), size=n, p=weights / weights.sum())
    cities = np.array([c[0] for c in CITIES], dtype=object)
    states = np.array([c[1] for c in CITIES], dtype=object)
    zips = np.array([c[2] for c in CITIES], dtype=object)
    lat = np.array([c[3] for c in CITIES])[city_idx] + rng.normal(0, 0.12, n)
    long = np.array([c[4] for c in CITIES])[city_idx] + rng.normal(0, 0.15, n)
    numbers = rng.integers(1, 9999, n)
    names, suffixes = _pick(rng, STREETS, n), _pick(rng, STREET_SUFFIXES, n)
    street = np.array(
        [f"{a} {b} {c}" for a, b, c in zip(numbers, names, suffixes, strict=True)], dtype=object
    )
    zip_tail = rng.integers(0, 100, n)
    zip_codes = np.array([f"{z}{d:02d}" for z, d in zip(zips[city_idx], zip_tail, strict=True)], dtype=object)
    age_years = np.clip(rng.gamma(6.0, 7.5, n) + 18, 18, 92)
    start = np.datetime64(config.start, "D")
    dob = start - (age_years * 365.25).astype("int64").astype("timedelta64[D]")
    return Customers(
        cc_num=cc_num, first=first, last=_pick(rng, LAST, n), gender=gender, street=street,
        city=cities[city_idx], state=states[city_idx], zip=zip_codes, lat=np.round(lat, 6),
        long=np.round(long, 6), job=_pick(rng, JOBS, n), dob=dob,
    )


def _day_weights(config: GeneratorConfig) -> np.ndarray:
    days = np.arange(config.days)
    weekday = (np.datetime64(config.start, "D") + days).astype("datetime64[D]").view("int64")
    iso = (weekday + 3) % 7  # 0 = Monday
    weights = np.where(iso >= 5, 1.25, 1.0)
    return weights / weights.sum()


def _seconds(config: GeneratorConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    """Legit purchase instants: weighted day, daytime-weighted hour, uniform within it."""
    day = rng.choice(config.days, size=n, p=_day_weights(config))
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    return day * 86400 + hour * 3600 + rng.integers(0, 3600, n)


def _near(
    rng: np.random.Generator, lat: np.ndarray, long: np.ndarray, sd: float
) -> tuple[np.ndarray, np.ndarray]:
    return lat + rng.normal(0, sd, len(lat)), long + rng.normal(0, sd * 1.3, len(long))


def _far(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    idx = rng.integers(0, len(CITIES), n)
    lat = np.array([c[3] for c in CITIES])[idx] + rng.normal(0, 0.1, n)
    long = np.array([c[4] for c in CITIES])[idx] + rng.normal(0, 0.1, n)
    return lat, long


def _draw_categories(cdf: np.ndarray, customer: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per-row categorical draw by inverse CDF on each row's customer mix, in chunks so 10M
    rows never materialize a 10M x 14 matrix at once."""
    out = np.empty(len(customer), dtype=np.int16)
    step = 1_000_000
    for lo in range(0, len(customer), step):
        rows = cdf[customer[lo : lo + step]]
        u = rng.random(len(rows))[:, None]
        out[lo : lo + step] = np.minimum((rows < u).sum(axis=1), cdf.shape[1] - 1)
    return out


def _legit(config: GeneratorConfig, cust: Customers, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n_cust = len(cust)
    rate = rng.lognormal(0.1, 0.5, n_cust)  # purchases per day
    if config.transactions is not None:
        target = config.transactions * (1 - config.fraud_rate)
        rate *= target / (rate.sum() * config.days)
    counts = rng.poisson(rate * config.days)
    customer = np.repeat(np.arange(n_cust), counts)
    n = len(customer)
    shares = np.array([CATEGORY_PROFILE[c][0] for c in CATEGORIES])
    mix = rng.dirichlet(shares * 12, size=n_cust)  # each holder's own category mix
    category = _draw_categories(np.cumsum(mix, axis=1), customer, rng)
    median = np.array([CATEGORY_PROFILE[c][1] for c in CATEGORIES])
    spread = np.array([CATEGORY_PROFILE[c][2] for c in CATEGORIES])
    level = rng.lognormal(0, 0.35, n_cust)[customer]
    amt = np.exp(np.log(median[category] * level) + rng.normal(0, 1, n) * spread[category])
    far_p = np.array([CATEGORY_PROFILE[c][3] for c in CATEGORIES])[category]
    far = rng.random(n) < far_p
    lat, long = _near(rng, cust.lat[customer], cust.long[customer], 0.25)
    flat, flong = _far(rng, int(far.sum()))
    lat[far], long[far] = flat, flong
    return {"customer": customer, "seconds": _seconds(config, rng, n), "category": category, "amt": amt,
            "merch_lat": lat, "merch_long": long, "is_fraud": np.zeros(n, dtype=np.int8)}


def _fraud(
    config: GeneratorConfig, cust: Customers, rng: np.random.Generator, n_legit: int
) -> dict[str, np.ndarray]:
    mean_burst = 8.0
    n_bursts = round(config.fraud_rate * n_legit / (1 - config.fraud_rate) / mean_burst)
    cards = rng.choice(len(cust), size=n_bursts, replace=n_bursts > len(cust))
    sizes = 2 + rng.poisson(mean_burst - 2, n_bursts)
    start = rng.uniform(0, (config.days - 4) * 86400, n_bursts)
    length = rng.uniform(0.3, 4.0, n_bursts) * 86400
    burst = np.repeat(np.arange(n_bursts), sizes)
    n = len(burst)
    customer = cards[burst]
    seconds = (start[burst] + rng.random(n) * length[burst]).astype("int64")
    stealthy = rng.random(n) < STEALTHY_FRAUD
    # Most bursts run at night: move the hour of non-stealthy rows into the night.
    night = ~stealthy & (rng.random(n) < 0.75)
    day_start = seconds // 86400 * 86400
    seconds[night] = day_start[night] + rng.choice(NIGHT_HOURS, int(night.sum())) * 3600 + rng.integers(
        0, 3600, int(night.sum())
    )
    names = list(FRAUD_PROFILE)
    p = np.array([FRAUD_PROFILE[c][0] for c in names])
    pick = rng.choice(len(names), size=n, p=p / p.sum())
    category = np.array([CATEGORIES.index(c) for c in names])[pick]
    amt = np.exp(np.log(np.array([FRAUD_PROFILE[c][1] for c in names])[pick])
                 + rng.normal(0, 1, n) * np.array([FRAUD_PROFILE[c][2] for c in names])[pick])
    # Stealthy fraud: an ordinary purchase in an ordinary category, amount and place.
    category[stealthy] = rng.integers(0, len(CATEGORIES), int(stealthy.sum()))
    medians = np.array([CATEGORY_PROFILE[c][1] for c in CATEGORIES])
    amt[stealthy] = medians[category[stealthy]] * rng.lognormal(0, 0.6, int(stealthy.sum()))
    lat, long = _near(rng, cust.lat[customer], cust.long[customer], 0.25)
    far = ~stealthy & (rng.random(n) < 0.6)
    flat, flong = _far(rng, int(far.sum()))
    lat[far], long[far] = flat, flong
    keep = seconds < config.days * 86400
    out = {"customer": customer, "seconds": seconds, "category": category, "amt": amt, "merch_lat": lat,
           "merch_long": long, "is_fraud": np.ones(n, dtype=np.int8)}
    return {k: v[keep] for k, v in out.items()}


def make_transactions(config: GeneratorConfig, cust: Customers, rng: np.random.Generator) -> Transactions:
    legit = _legit(config, cust, rng)
    fraud = _fraud(config, cust, rng, len(legit["customer"]))
    cols = {k: np.concatenate([legit[k], fraud[k]]) for k in legit}
    n = len(cols["customer"])
    order = np.lexsort((rng.random(n), cols["seconds"]))
    cols = {k: v[order] for k, v in cols.items()}
    epoch = int(datetime(config.start.year, config.start.month, config.start.day, tzinfo=UTC).timestamp())
    category = cols["category"].astype(np.int16)
    merchant = category * MERCHANTS_PER_CATEGORY + rng.integers(0, MERCHANTS_PER_CATEGORY, n)
    hexes = np.frombuffer(rng.bytes(16 * n).hex().encode("ascii"), dtype="S32")
    return Transactions(
        customer=cols["customer"].astype(np.int32),
        unix_time=cols["seconds"].astype(np.int64) + epoch,
        category=category,
        amt=np.round(np.maximum(cols["amt"], 1.0), 2),
        merchant=merchant.astype(np.int32),
        merch_lat=np.round(cols["merch_lat"], 6),
        merch_long=np.round(cols["merch_long"], 6),
        is_fraud=cols["is_fraud"].astype(np.int32),
        trans_num=hexes,
    )


# -- output -------------------------------------------------------------------------------


def customers_table(cust: Customers) -> pa.Table:
    import pyarrow as pa

    data: dict[str, Any] = {name: getattr(cust, name) for name, _ in CUSTOMER_FIELDS}
    data["dob"] = pa.array(cust.dob.astype("datetime64[D]"), type=pa.date32())
    return pa.table({name: data[name] for name, _ in CUSTOMER_FIELDS})


def transaction_chunks(tx: Transactions, cust: Customers, chunk_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    import pyarrow as pa
    import pyarrow.compute as pc

    categories = pa.array(list(CATEGORIES))
    merchants = pa.array(merchant_names())
    cc = pa.array(cust.cc_num, type=pa.string())
    first = pa.array(cust.first, type=pa.string())
    last = pa.array(cust.last, type=pa.string())
    for lo in range(0, len(tx), chunk_rows):
        hi = min(lo + chunk_rows, len(tx))
        who = pa.array(tx.customer[lo:hi])
        stamps = pa.array(tx.unix_time[lo:hi].astype("datetime64[s]"), type=pa.timestamp("s"))
        cols = {
            "cc_num": pc.take(cc, who),
            "first": pc.take(first, who),
            "last": pc.take(last, who),
            "trans_num": pa.array(tx.trans_num[lo:hi]).cast(pa.string()),
            "trans_date": pc.strftime(stamps, format="%Y-%m-%d"),
            "trans_time": pc.strftime(stamps, format="%H:%M:%S"),
            "unix_time": pa.array(tx.unix_time[lo:hi], type=pa.int64()),
            "category": pc.take(categories, pa.array(tx.category[lo:hi])),
            "amt": pa.array(tx.amt[lo:hi]),
            "merchant": pc.take(merchants, pa.array(tx.merchant[lo:hi])),
            "merch_lat": pa.array(tx.merch_lat[lo:hi]),
            "merch_long": pa.array(tx.merch_long[lo:hi]),
            "is_fraud": pa.array(tx.is_fraud[lo:hi], type=pa.int32()),
        }
        yield pa.table({name: cols[name] for name, _ in TRANSACTION_FIELDS})


def output_paths(out_dir: str | Path, fmt: str) -> tuple[Path, Path]:
    if fmt not in FORMATS:
        raise ValueError(f"--format {fmt!r} is not supported; use one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    return out / f"customers.{fmt}", out / f"transactions.{fmt}"


class _TableWriter:
    """One file written chunk by chunk, as CSV, gzipped CSV or Parquet."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        tmp = path.with_name(f".{path.name}.tmp")
        self.path, self.tmp = path, tmp
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(tmp, schema, compression="snappy")
            self._sink = None
        else:
            sink = pa.OSFile(str(tmp), "wb")
            self._sink = pa.CompressedOutputStream(sink, "gzip") if fmt == "csv.gz" else sink
            self._writer = pacsv.CSVWriter(self._sink, schema)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()
        if self._sink is not None:
            self._sink.close()
        # Rename at the end: a half-written file never carries the final name.
        self.tmp.replace(self.path)


def write_table(
    path: Path, fmt: str, tables: Iterator[pa.Table], first: pa.Table, progress: Any = None
) -> None:
    writer = _TableWriter(path, fmt, first.schema)
    try:
        for table in [first, *tables] if progress is None else _with_progress([first], tables, progress):
            writer.write(table)
    finally:
        writer.close()


def _with_progress(head: list[pa.Table], tables: Iterator[pa.Table], progress: Any) -> Iterator[pa.Table]:
    for table in [*head, *tables]:
        yield table
        progress.update(table.num_rows)


@dataclass
class GenerateResult:
    customers_path: Path
    transactions_path: Path
    customers: int
    transactions: int
    frauds: int
    seconds: float

    @property
    def fraud_rate(self) -> float:
        return self.frauds / max(self.transactions, 1)

    @property
    def rows_per_second(self) -> float:
        return self.transactions / max(self.seconds, 1e-9)

    def as_dict(self) -> dict[str, Any]:
        return {
            "customers_path": str(self.customers_path),
            "transactions_path": str(self.transactions_path),
            "customers": self.customers,
            "transactions": self.transactions,
            "frauds": self.frauds,
            "fraud_rate": round(self.fraud_rate, 5),
            "seconds": round(self.seconds, 2),
            "rows_per_second": round(self.rows_per_second, 1),
        }


def generate(
    config: GeneratorConfig, out_dir: str | Path, fmt: str = "csv", progress: bool = True
) -> GenerateResult:
    """Generate customers and transactions and write them under `out_dir`."""
    from tqdm import tqdm

    config.validate()
    customers_path, transactions_path = output_paths(out_dir, fmt)
    customers_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    cust = make_customers(config, rng)
    tx = make_transactions(config, cust, rng)
    write_table(customers_path, fmt, iter(()), customers_table(cust))
    chunks = transaction_chunks(tx, cust)
    with tqdm(total=len(tx), unit="tx", desc="transactions", disable=not progress) as bar:
        write_table(transactions_path, fmt, chunks, next(chunks), progress=bar)
    return GenerateResult(
        customers_path=customers_path,
        transactions_path=transactions_path,
        customers=len(cust),
        transactions=len(tx),
        frauds=int(tx.is_fraud.sum()),
        seconds=time.perf_counter() - started,
    )
