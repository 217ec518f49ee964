"""The golden dataset: six synthetic instruments with a split, a dividend and a missing session.

Generated once by an explicit command and stored as frozen files with sha256 checksums.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from finbot.contracts import CashDividend, CorporateAction, Split, to_ns

from ._synthetic import TRADING_DAYS_PER_YEAR, PathSpec, business_days, simulate_bars

GOLDEN_SEED = 20_240_601
GOLDEN_START = date(2021, 1, 4)
GOLDEN_SESSIONS = 750
MANIFEST = "manifest.json"
ACTIONS_FILE = "corporate_actions.json"
_CSV_HEADER = "Date,Open,High,Low,Close,Volume\n"


@dataclass(frozen=True, slots=True)
class _Asset:
    instrument_id: str
    path: PathSpec


_ASSETS = (
    _Asset("ALPHA", PathSpec(100.0, 0.08, 0.20, 1_200_000)),
    _Asset("BRAVO", PathSpec(240.0, 0.12, 0.30, 800_000)),
    _Asset("CHARLIE", PathSpec(55.0, 0.05, 0.15, 2_000_000)),
    _Asset("DELTA", PathSpec(38.0, 0.03, 0.25, 3_000_000)),
    _Asset("ECHO", PathSpec(150.0, 0.10, 0.35, 900_000)),
    _Asset("FOXTROT", PathSpec(72.0, -0.02, 0.18, 1_500_000)),
)
GOLDEN_INSTRUMENTS = tuple(a.instrument_id for a in _ASSETS)
GOLDEN_ACTIONS: tuple[CorporateAction, ...] = (
    Split(instrument_id="BRAVO", ex_date=date(2022, 6, 15), ratio=2.0),
    CashDividend(instrument_id="CHARLIE", ex_date=date(2022, 9, 14), amount=0.85),
)
GOLDEN_MISSING_SESSION = ("DELTA", date(2022, 3, 15))
GOLDEN_CALENDAR = "24/5"


def generate_golden_dataset(out_dir: str | Path, *, seed: int = GOLDEN_SEED) -> dict[str, Path]:
    """Write the golden dataset's files into ``out_dir``; the same seed gives the same bytes.

    Prices are simulated as economic (back-adjusted) values, then turned into what an exchange
    would print: before BRAVO's 2:1 split prices are doubled and volumes halved; before CHARLIE's
    dividend prices are raised so the ex-date open gaps down by the dividend. Back-adjusting the
    raw files therefore gives (to the cent) the continuous simulated path.

    Returns:
        File name -> path of every file written, the manifest included.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sessions = business_days(GOLDEN_START, GOLDEN_SESSIONS)
    stamps = np.array([to_ns(d) for d in sessions], dtype=np.int64)
    contents: dict[str, bytes] = {}
    for index, asset in enumerate(_ASSETS):
        rng = np.random.default_rng([seed, index])
        bars = simulate_bars(rng, asset.path, len(sessions), bars_per_year=TRADING_DAYS_PER_YEAR)
        price_mult, volume_mult = _raw_multipliers(asset.instrument_id, stamps, bars.close)
        keep = np.ones(len(sessions), dtype=bool)
        if asset.instrument_id == GOLDEN_MISSING_SESSION[0]:
            keep[sessions.index(GOLDEN_MISSING_SESSION[1])] = False
        columns = [
            np.round(getattr(bars, f) * price_mult, 2) for f in ("open", "high", "low", "close")
        ]
        volume = np.rint(bars.volume * volume_mult).astype(np.int64)
        lines = [_CSV_HEADER]
        for i in np.flatnonzero(keep):
            o, h, lo, c = (float(col[i]) for col in columns)
            lines.append(f"{sessions[i].isoformat()},{o:.2f},{h:.2f},{lo:.2f},{c:.2f},{volume[i]}\n")
        contents[f"{asset.instrument_id}.csv"] = "".join(lines).encode()
    actions = [a.model_dump(mode="json") for a in GOLDEN_ACTIONS]
    contents[ACTIONS_FILE] = (json.dumps(actions, indent=2, sort_keys=True) + "\n").encode()
    manifest = {
        "name": "golden",
        "description": (
            "Six synthetic daily instruments (GBM), raw prices; BRAVO splits 2:1, CHARLIE pays a "
            "cash dividend, DELTA misses one session. Regenerate: python -m finbot.data.generate"
        ),
        "seed": seed,
        "instruments": list(GOLDEN_INSTRUMENTS),
        # Weekday sessions, no holidays (how the dates were made); DELTA's gap is on purpose.
        "calendar": GOLDEN_CALENDAR,
        "known_gaps": {GOLDEN_MISSING_SESSION[0]: [GOLDEN_MISSING_SESSION[1].isoformat()]},
        "files": {n: hashlib.sha256(blob).hexdigest() for n, blob in sorted(contents.items())},
    }
    contents[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    written: dict[str, Path] = {}
    for name, data in contents.items():
        target = out / name
        target.write_bytes(data)
        written[name] = target
    return written


def _raw_multipliers(
    instrument_id: str, stamps: np.ndarray, close: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-bar factors from economic to printed prices and volumes for this instrument's actions."""
    price = np.ones(len(stamps))
    volume = np.ones(len(stamps))
    for action in GOLDEN_ACTIONS:
        if action.instrument_id != instrument_id:
            continue
        before = int(np.searchsorted(stamps, to_ns(action.ex_date)))
        if isinstance(action, Split):
            price[:before] *= action.ratio
            volume[:before] /= action.ratio
        else:
            # Printed close before the ex-date is the economic one plus the dividend.
            prev = close[before - 1]
            price[:before] *= (prev + action.amount) / prev
    return price, volume
