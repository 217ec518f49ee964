"""The ``DataSource`` finbot runs use: embedded, generated or file datasets by ``DatasetRef``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from finbot.contracts import ConfigError, DatasetRef, DataValidationError, MarketData, PriceMode

from ._corporate import adjust_for_corporate_actions
from ._embedded import EMBEDDED_DATASETS, load_embedded
from ._files import load_files
from ._missing import resolve_calendar, with_calendar
from ._origin import Origins
from ._plausibility import check_plausibility
from ._prices import ADJ_CLOSE_USES, AdjClose, apply_price_mode
from ._synthetic import synthetic_daily, synthetic_intraday

DEFAULT_DATASET = "golden"

_GENERATED: dict[str, Callable[[], MarketData]] = {
    "synthetic-daily": synthetic_daily,
    "synthetic-intraday": synthetic_intraday,
}
GENERATED_DATASETS: tuple[str, ...] = tuple(_GENERATED)


class LocalDataSource:
    """Resolves ``DatasetRef``s to validated ``MarketData`` (implements ``DataSource``).

    ``DatasetRef(name="golden")`` is an embedded dataset, ``DatasetRef(name="synthetic-daily")`` a
    generated one, and ``DatasetRef(name=label, paths=(...))`` files, one instrument per CSV file.
    Dates are not restricted here: callers use ``MarketData.between``.

    Args:
        adjust: Prepare prices as ``ref.prices`` says (the default). ``False`` gives the raw
            prices and the whole action table whatever the reference says (price mode ``raw``).
        timezone: Zone of naive intraday timestamps in files (default UTC).
        use_adj_close: For Yahoo CSV files, back-adjust with the ``Adj Close`` column (only for
            a reference without a price mode: results older than schema 6).
        now_ns: The instant after which a bar is "in the future" (default: the clock at load).

    Every load checks plausibility (``check_plausibility``) against the calendar ``ref.calendar``,
    else the dataset's own, else XNYS, skipping the checks ``ref.allow`` overrides; the data it
    returns carries that calendar.
    """

    def __init__(
        self,
        *,
        adjust: bool = True,
        timezone: str | None = None,
        use_adj_close: bool = False,
        now_ns: int | None = None,
    ) -> None:
        self.adjust = adjust
        self.timezone = timezone
        self.use_adj_close = use_adj_close
        self.now_ns = now_ns

    def load(self, ref: DatasetRef) -> MarketData:
        """Load, validate, check and prepare the prices (``ref.prices``); check the snapshot id.

        Price modes (ADR 0023): ``raw`` keeps the printed prices and the action table (a Yahoo
        file: its ``Close`` and the dividends its ``Adj Close`` encodes); ``split-adjusted``
        folds splits into the prices; ``total-return`` folds in dividends too (a Yahoo file: its
        ``Adj Close``); ``backtrader-yahoo`` rounds like Backtrader's Yahoo feed. ``None`` (a
        reference from before schema 6) is what finbot did then: fold the action table in and
        read a Yahoo file's ``Close`` (its ``Adj Close`` with ``use_adj_close``).

        Raises:
            ConfigError: The name is no known dataset and no paths were given, or the calendar
                is unknown.
            DataValidationError: A file is missing, malformed or implausible (naming the file,
                row and value), or the snapshot id differs.
        """
        origins: Origins = {}
        mode = ref.prices if self.adjust else PriceMode.RAW
        if ref.paths:
            if mode is None:
                use: AdjClose = "scale" if self.use_adj_close else "ignore"
            else:
                use = ADJ_CLOSE_USES[mode]
            data = load_files(
                ref.paths, name=ref.name, timezone=ref.timezone or self.timezone,
                origins=origins, adj_close=use,
            )
        elif ref.name in EMBEDDED_DATASETS:
            data = load_embedded(ref.name, origins=origins)
        elif ref.name in _GENERATED:
            data = _GENERATED[ref.name]()
        else:
            known = ", ".join((*EMBEDDED_DATASETS, *GENERATED_DATASETS))
            raise ConfigError(f"unknown dataset '{ref.name}'; known datasets: {known}, or files")
        calendar = resolve_calendar(data, ref.calendar)
        check_plausibility(
            data,
            origins,
            calendar=calendar,
            allow=ref.allow,
            now_ns=self.now_ns if self.now_ns is not None else time.time_ns(),
        )
        if mode is None:
            if data.corporate_actions:
                data = adjust_for_corporate_actions(data)
        elif not (mode is PriceMode.BACKTRADER_YAHOO and ref.paths):
            data = apply_price_mode(data, mode)
        data = with_calendar(data, calendar)
        if ref.snapshot_id is not None and data.snapshot_id() != ref.snapshot_id:
            raise DataValidationError(
                f"snapshot id is {data.snapshot_id()}, but the reference pins {ref.snapshot_id}: "
                "the data changed since the run was recorded",
                source=ref.name,
            )
        return data


def dataset_ref(name_or_path: str | Path, *more_paths: str | Path) -> DatasetRef:
    """A ``DatasetRef`` for a dataset name, or for one or more files (anything path-like)."""
    first = str(name_or_path)
    if not more_paths and (first in EMBEDDED_DATASETS or first in _GENERATED):
        return DatasetRef(name=first)
    paths = (first, *(str(p) for p in more_paths))
    return DatasetRef(name=Path(first).name.split(".")[0] or first, paths=paths)


def load_dataset(name_or_ref: str | Path | DatasetRef = DEFAULT_DATASET, *, adjust: bool = True
                 ) -> MarketData:
    """Load a dataset by name (``golden``), by file path, or by ``DatasetRef``.

    Args:
        name_or_ref: An embedded or generated dataset name, a data file path, or a reference.
        adjust: Back-adjust for corporate actions (default True, as runs do).
    """
    ref = name_or_ref if isinstance(name_or_ref, DatasetRef) else dataset_ref(name_or_ref)
    return LocalDataSource(adjust=adjust).load(ref)
