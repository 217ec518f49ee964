"""Property tests: bar validation accepts exactly the valid bars; FIFO trades and the runner's
ledger agree on P&L for any fill sequence; cent rounding equals exact decimal arithmetic."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from contracts_fake_engine import FakeEngine, Scripted
from hypothesis import given, settings
from hypothesis import strategies as st

from finbot.contracts import (
    BarSeries,
    CommissionTier,
    CostModel,
    DatasetRef,
    DataValidationError,
    Fill,
    FillPolicy,
    Instrument,
    MarketData,
    OrderSide,
    RunConfig,
    StrategySpec,
    build_trades,
)

DAY = 86_400 * 10**9
prices = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def valid_bars(
    draw: st.DrawFn, max_size: int = 20
) -> list[tuple[int, float, float, float, float, float]]:
    n = draw(st.integers(min_value=1, max_value=max_size))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=10 * DAY), min_size=n, max_size=n))
    rows = []
    ts = draw(st.integers(min_value=0, max_value=2**62))
    for gap in gaps:
        low, high = sorted(draw(st.lists(prices, min_size=2, max_size=2)))
        between = st.floats(min_value=low, max_value=high)
        volume = draw(st.floats(min_value=0, max_value=1e12))
        rows.append((ts, draw(between), high, low, draw(between), volume))
        ts += gap
    return rows


def columns(rows: list[tuple[int, float, float, float, float, float]]) -> list[list[float]]:
    return [list(col) for col in zip(*rows, strict=True)]


@given(valid_bars())
def test_every_valid_series_is_accepted(
    rows: list[tuple[int, float, float, float, float, float]],
) -> None:
    series = BarSeries.from_columns("X", *columns(rows))  # type: ignore[arg-type]
    assert list(series) == [tuple(r) for r in rows]


@given(valid_bars(), st.data())
def test_a_broken_row_is_named(
    rows: list[tuple[int, float, float, float, float, float]], data: st.DataObject
) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    ts, o, h, lo, c, v = rows[i]
    kind = data.draw(st.sampled_from(["value", "volume", "high", "low", "time"]))
    if kind == "time" and len(rows) == 1:
        kind = "value"
    if kind == "value":
        field = data.draw(st.sampled_from(["open", "high", "low", "close"]))
        bad = data.draw(st.sampled_from([math.nan, 0.0, -1.0, math.inf]))
        row = dict(zip(("open", "high", "low", "close"), (o, h, lo, c), strict=True))
        row[field] = bad
        rows[i] = (ts, row["open"], row["high"], row["low"], row["close"], v)
        expected = field
    elif kind == "volume":
        rows[i] = (ts, o, h, lo, c, data.draw(st.sampled_from([-0.5, math.nan, math.inf])))
        expected = "volume"
    elif kind == "high":  # high strictly below max(open, close)
        top = max(o, c)
        rows[i] = (ts, o, top * (1 - 1e-9) if top > lo else lo * 0.5, lo, c, v)
        expected = "high"
    elif kind == "low":  # low strictly above min(open, close)
        bottom = min(o, c)
        rows[i] = (ts, o, h, bottom * (1 + 1e-9) if bottom < h else h * 2, c, v)
        expected = "low"
    else:  # a timestamp that does not increase
        j = max(i, 1)
        rows[j] = (rows[j - 1][0] - data.draw(st.integers(0, DAY)), *rows[j][1:])
        i, expected = j, "timestamp"
    with pytest.raises(DataValidationError) as info:
        BarSeries.from_columns("X", *columns(rows), source="gen")  # type: ignore[arg-type]
    # the first broken row is i (rows before it are untouched and valid)
    assert info.value.row == i + 1
    assert info.value.source == "gen"
    if expected in ("high", "low") and info.value.field != expected:
        # lowering high below open/close can also put it below low: reported as 'high' first
        assert info.value.field in ("high", "low")
    else:
        assert info.value.field == expected


# --- FIFO trades versus the ledger --------------------------------------------------------------

quantities = st.integers(min_value=1, max_value=50).map(float) | st.sampled_from([0.5, 1.25])
fill_prices = st.integers(min_value=100, max_value=20_000).map(lambda c: c / 100)


@st.composite
def flat_fill_sequence(draw: st.DrawFn) -> list[Fill]:
    fills: list[Fill] = []
    positions = {"A": 0.0, "B": 0.0}
    for k in range(draw(st.integers(min_value=1, max_value=25))):
        iid = draw(st.sampled_from(["A", "B"]))
        side = draw(st.sampled_from([OrderSide.BUY, OrderSide.SELL]))
        qty = draw(quantities)
        fills.append(
            Fill(f"O-{k}", iid, side, qty, draw(fill_prices), draw(fill_prices) / 100, 0.0, k)
        )
        positions[iid] += qty * side.sign
    for k, (iid, held) in enumerate(positions.items(), start=100):
        if held:
            side = OrderSide.SELL if held > 0 else OrderSide.BUY
            fills.append(Fill(f"O-{k}", iid, side, abs(held), draw(fill_prices), 0.01, 0.0, k))
    return fills


@given(flat_fill_sequence())
def test_fifo_trades_of_a_flat_book_carry_the_ledger_pnl(fills: list[Fill]) -> None:
    trades = build_trades(fills)
    ledger = -math.fsum(f.signed_quantity * f.price for f in fills)
    commission = math.fsum(f.commission for f in fills)
    assert math.fsum(t.gross_pnl for t in trades) == pytest.approx(ledger, abs=1e-6)
    assert math.fsum(t.commission for t in trades) == pytest.approx(commission, abs=1e-9)
    assert math.fsum(t.net_pnl for t in trades) == pytest.approx(ledger - commission, abs=1e-6)
    # every matched quantity is closed exactly once: per instrument, closed = bought = sold
    for iid in ("A", "B"):
        bought = math.fsum(f.quantity for f in fills if f.instrument_id == iid and f.side == "buy")
        closed = math.fsum(t.quantity for t in trades if t.instrument_id == iid)
        sold = math.fsum(f.quantity for f in fills if f.instrument_id == iid and f.side == "sell")
        assert bought == pytest.approx(sold)
        assert closed == pytest.approx(bought, abs=1e-9)


def six_bar_data() -> MarketData:
    ohlc = [
        (10.0, 11.0, 9.0, 10.0),
        (11.0, 12.0, 10.0, 11.0),
        (12.0, 13.0, 11.0, 12.0),
        (11.0, 12.0, 10.0, 10.0),
        (10.0, 11.0, 9.0, 9.5),
        (9.5, 10.0, 9.0, 9.8),
    ]
    stamps = [i * DAY for i in range(6)]
    o, h, lo, c = ([r[k] for r in ohlc] for k in range(4))
    series = BarSeries.from_columns("AAA", stamps, o, h, lo, c, [1.0] * 6)
    return MarketData([Instrument(id="AAA")], [series])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=-30, max_value=30), min_size=5, max_size=5),
    st.sampled_from(list(FillPolicy)),
    st.sampled_from([None, 7.0]),
)
def test_runner_books_agree_with_trades_and_positions(
    orders: list[int], policy: FillPolicy, cap: float | None
) -> None:
    script = {
        step: [lambda ctx, q=q: ctx.buy("AAA", q) if q > 0 else ctx.sell("AAA", -q)]
        for step, q in enumerate(orders)
        if q
    }
    config = RunConfig(
        strategy=StrategySpec(id="scripted"),
        dataset=DatasetRef(name="five"),
        starting_cash=1_000.0,
        cost_model=CostModel(commission_per_share=0.01, commission_bps=2, slippage_bps=3),
        fill_policy=policy,
    )
    result = FakeEngine(six_bar_data(), config, max_fill_per_bar=cap).run(Scripted(script))
    realized = math.fsum(t.gross_pnl for t in result.trades)
    unrealized = math.fsum(p.unrealized_pnl for p in result.positions)
    commission = math.fsum(f.commission for f in result.fills)
    assert realized + unrealized - commission == pytest.approx(
        result.metrics.final_equity - 1_000.0, abs=1e-9
    )
    net_position = math.fsum(f.signed_quantity for f in result.fills)
    assert math.fsum(p.quantity for p in result.positions) == pytest.approx(net_position)
    # the curve's last point is the final equity: cash plus positions at the last close
    assert result.equity_curve.equity[-1] == result.metrics.final_equity


@given(
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=1, max_value=1_000_000),
    st.sampled_from(["0", "0.5", "1", "2.5", "10"]),
    st.sampled_from(["0", "0.001", "0.005", "0.0035"]),
)
def test_cent_rounding_equals_exact_decimal_arithmetic(
    quantity: int, price_cents: int, bps: str, per_share: str
) -> None:
    model = CostModel(commission_bps=float(bps), commission_per_share=float(per_share))
    price = Decimal(price_cents) / 100
    exact = Decimal(quantity) * price * Decimal(bps) / 10_000 + Decimal(quantity) * Decimal(
        per_share
    )
    expected = float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert model.commission(quantity, float(price)) == expected


@given(
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=1, max_value=1_000_000),
    st.sampled_from(["0", "0.35", "4.95"]),
    st.sampled_from(["0", "1", "2.5"]),
    st.sampled_from([None, "1", "7.5"]),
    st.sampled_from([None, "50", "100"]),
    st.booleans(),
)
def test_cent_rounding_of_a_schedule_equals_exact_decimal_arithmetic(
    quantity: int,
    price_cents: int,
    fixed: str,
    minimum: str,
    maximum: str | None,
    maximum_bps: str | None,
    tiered: bool,
) -> None:
    # The float fast path must round like the decimal rule near the minimum, the caps and a
    # half cent; the expected value is written out here independently of the model's code.
    tiers = (
        (CommissionTier(up_to=300, per_share=0.01), CommissionTier(per_share=0.0035))
        if tiered
        else ()
    )
    model = CostModel(
        commission_per_share=0.005,
        commission_fixed=float(fixed),
        commission_tiers=tiers,
        commission_minimum=float(minimum),
        commission_maximum=None if maximum is None else float(maximum),
        commission_maximum_bps=None if maximum_bps is None else float(maximum_bps),
    )
    q = Decimal(quantity)
    notional = q * Decimal(price_cents) / 100
    raw = Decimal(fixed) + q * Decimal("0.005")
    if tiered:
        raw += min(q, Decimal(300)) * Decimal("0.01") + max(q - 300, Decimal(0)) * Decimal("0.0035")
    raw = max(raw, Decimal(minimum))
    if maximum is not None:
        raw = min(raw, Decimal(maximum))
    if maximum_bps is not None:
        raw = min(raw, notional * Decimal(maximum_bps) / 10_000)
    expected = float(raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert model.commission(quantity, float(Decimal(price_cents) / 100)) == expected
