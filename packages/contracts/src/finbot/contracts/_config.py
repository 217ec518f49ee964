"""The run configuration: everything that decides a backtest's result, with a stable hash."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PositiveFloat,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from ._costs import CostModel, FillPolicy
from ._margin import AccountModel
from ._native import NativeExecution

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class StrategySpec(BaseModel):
    """Which strategy runs, and with which parameters (validated later against its ``Params``)."""

    model_config = _FROZEN

    id: str = Field(min_length=1, description="golden name, 'module:Class' or 'file.py:Class'")
    params: dict[str, JsonValue] = Field(default_factory=dict)


class DataCheck(StrEnum):
    """A plausibility check on loaded data that a user may explicitly override (``allow``)."""

    FUTURE_DATES = "future-dates"
    SPLIT_JUMPS = "split-jumps"
    OUTLIERS = "outliers"
    OFF_SESSION = "off-session"


class MissingDataPolicy(StrEnum):
    """What a run does with sessions of the calendar an instrument has no bar for."""

    RAISE = "raise"
    FFILL = "ffill"
    DROP = "drop"


class PriceMode(StrEnum):
    """Which prices a run trades and which corporate actions the engines apply (ADR 0023).

    ``raw``: the prices as printed, every split and cash dividend applied to the books.
    ``split-adjusted``: prices back-adjusted for splits; dividends paid in cash by the engines.
    ``total-return``: prices back-adjusted for splits and dividends (Yahoo: ``Adj Close``); no
    action left to apply. ``backtrader-yahoo``: what Backtrader's Yahoo feed trades, ``Adj Close``
    rescaling rounded to cents and volume rescaled (Yahoo CSV files only).
    """

    RAW = "raw"
    SPLIT_ADJUSTED = "split-adjusted"
    TOTAL_RETURN = "total-return"
    BACKTRADER_YAHOO = "backtrader-yahoo"


class DatasetRef(BaseModel):
    """Where a run's data comes from. ``snapshot_id`` pins the exact bytes when known.

    ``calendar`` names the exchange-calendars calendar the data is checked against (``None``: the
    dataset's own, else XNYS); ``allow`` lists the plausibility checks overridden for this data;
    ``timezone`` is the zone of the files' naive intraday timestamps (left out of the canonical JSON
    when unset, so older configs hash as before). ``prices`` is the price mode; ``None`` only in
    results older than schema 6, which did not record it (ADR 0023).
    """

    model_config = _FROZEN

    name: str = Field(min_length=1, description="an embedded dataset name, or a label for files")
    paths: tuple[str, ...] = Field(default=(), description="data files; empty for embedded data")
    snapshot_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    calendar: str | None = Field(
        default=None, min_length=1, description="exchange-calendars code, e.g. XNYS"
    )
    allow: tuple[DataCheck, ...] = Field(default=(), description="plausibility checks overridden")
    timezone: str | None = Field(
        default=None,
        min_length=1,
        description="IANA zone of the files' naive intraday timestamps (None: UTC)",
    )
    prices: PriceMode | None = Field(
        default=PriceMode.TOTAL_RETURN,
        description="price mode; None = not recorded (a result older than schema 6)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown timezone '{value}' (an IANA name such as "
                                 "America/New_York)") from None
        return value

    @model_serializer(mode="wrap")
    def _omit_unset_timezone(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Configs from before the field existed keep their canonical JSON and hash.
        data: dict[str, Any] = handler(self)
        if data.get("timezone") is None:
            data.pop("timezone", None)
        return data

    @field_validator("allow")
    @classmethod
    def _sorted_unique(cls, value: tuple[DataCheck, ...]) -> tuple[DataCheck, ...]:
        # One spelling per set of overrides, so equal configs hash equal.
        return tuple(sorted(set(value)))


class RunConfig(BaseModel):
    """A complete, engine-neutral description of one backtest run."""

    model_config = _FROZEN

    strategy: StrategySpec
    dataset: DatasetRef
    start: date | None = Field(default=None, description="first session included (UTC date)")
    end: date | None = Field(default=None, description="last session included (UTC date)")
    starting_cash: PositiveFloat = 100_000.0
    currency: str = Field(default="USD", min_length=3, max_length=3)
    cost_model: CostModel = Field(default_factory=CostModel)
    account: AccountModel = Field(
        default_factory=AccountModel, description="cash or margin account, financing rates"
    )
    fill_policy: FillPolicy = FillPolicy.NEXT_OPEN
    engine: str = "backtrader"
    seed: int = Field(default=0, ge=0, description="seed for any randomness in the run")
    missing_data: MissingDataPolicy = Field(
        default=MissingDataPolicy.RAISE, description="what to do with missing sessions"
    )
    native: NativeExecution | None = Field(
        default=None,
        description="the engine's own execution models (nautilus-native only); None for others",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> RunConfig:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @model_serializer(mode="wrap")
    def _omit_unset_native(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Left out when unset (every engine but nautilus-native), so the configs of other engines
        # keep the canonical JSON and hash they had before the field existed (ADR 0025).
        data: dict[str, Any] = handler(self)
        if data.get("native") is None:
            data.pop("native", None)
        return data

    def canonical_json(self) -> str:
        """Sorted-key, whitespace-free JSON; equal configs give equal strings."""
        return canonical_json(self.model_dump(mode="json"))

    def config_hash(self) -> str:
        """sha256 (hex) of :meth:`canonical_json`."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


def canonical_json(payload: Any) -> str:
    """The canonical JSON text finbot hashes: sorted keys, no whitespace, no NaN."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
