"""Order requests, the cost model's commission and rounding, and slippage."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from finbot.contracts import (
    COMMISSION_PRESETS,
    CommissionRounding,
    CommissionTier,
    CostModel,
    Fill,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
)


def test_market_order_defaults() -> None:
    order = OrderRequest(instrument_id="AAA", side=OrderSide.BUY, quantity=10)
    assert order.order_type is OrderType.MARKET
    assert order.limit_price is None and order.stop_price is None
    assert order.time_in_force == "gtc"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order_type": "limit"}, "limit order needs limit_price"),
        ({"order_type": "stop"}, "stop order needs stop_price"),
        ({"order_type": "stop_limit", "stop_price": 9.0}, "stop_limit order needs limit_price"),
        ({"order_type": "stop_limit", "limit_price": 9.0}, "stop_limit order needs stop_price"),
        ({"limit_price": 9.0}, "market order takes no limit_price"),
        ({"stop_price": 9.0}, "market order takes no stop_price"),
        ({"order_type": "limit", "limit_price": 9.0, "stop_price": 8.0}, "takes no stop_price"),
    ],
)
def test_prices_must_match_order_type(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OrderRequest(instrument_id="AAA", side="buy", quantity=1, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quantity": 0},
        {"quantity": -5},
        {"quantity": 1, "order_type": "limit", "limit_price": 0.0},
        {"quantity": 1, "side": "hold"},
        {"quantity": 1, "unknown": True},
    ],
)
def test_bad_order_fields(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"instrument_id": "AAA", "side": "sell", **kwargs}
    with pytest.raises(ValidationError):
        OrderRequest(**fields)  # type: ignore[arg-type]


def test_order_request_is_frozen() -> None:
    order = OrderRequest(instrument_id="AAA", side="sell", quantity=1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        order.quantity = 2  # type: ignore[misc]


def test_side_sign_status_finality_and_fill_helpers() -> None:
    assert (OrderSide.BUY.sign, OrderSide.SELL.sign) == (1, -1)
    assert {s for s in OrderStatus if s.is_final} == {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
    }
    fill = Fill("O-000001", "AAA", OrderSide.SELL, 3.0, 12.5, 1.0, 0.0, 0)
    assert fill.signed_quantity == -3.0
    assert fill.notional == 37.5


# --- commission ------------------------------------------------------------------------------


def test_commission_in_basis_points() -> None:
    # 100 shares at 50.00, 10 bp: 5000 * 0.001 = 5.00
    assert CostModel(commission_bps=10).commission(100, 50.0) == 5.0
    # sign of the quantity does not matter (sells pay too)
    assert CostModel(commission_bps=10).commission(-100, 50.0) == 5.0


def test_commission_per_share_and_combined() -> None:
    # 300 shares * 0.005 = 1.50
    assert CostModel(commission_per_share=0.005).commission(300, 20.0) == 1.5
    # 200 * 25.00 * 2bp = 1.00, plus 200 * 0.01 = 2.00 -> 3.00
    assert CostModel(commission_bps=2, commission_per_share=0.01).commission(200, 25.0) == 3.0


def test_commission_minimum_applies_only_to_charged_fills() -> None:
    model = CostModel(commission_per_share=0.005, commission_minimum=1.0)
    assert model.commission(10, 20.0) == 1.0  # 0.05 raised to the minimum
    assert model.commission(1000, 20.0) == 5.0  # above the minimum
    # no commission rate at all: no minimum either (a free broker stays free)
    assert CostModel(commission_minimum=1.0).commission(10, 20.0) == 0.0


@pytest.mark.parametrize(
    ("per_share", "quantity", "expected"),
    [
        (0.005, 1, 0.01),  # 0.005 is exactly half a cent: rounds up
        (0.005, 3, 0.02),  # 0.015 -> 0.02 (the float 0.015 is 0.01499999...)
        (0.005, 201, 1.01),  # 1.005 -> 1.01 (the float 1.005 is 1.00499999...)
        (0.004, 1, 0.0),  # 0.004 -> 0.00
        (0.0049, 1, 0.0),
        (0.0051, 1, 0.01),
    ],
)
def test_cent_rounding_is_half_up_on_decimal_values(
    per_share: float, quantity: int, expected: float
) -> None:
    assert CostModel(commission_per_share=per_share).commission(quantity, 10.0) == expected


def test_cent_rounding_of_a_sum_that_floats_get_wrong() -> None:
    # 75 * 112.00 * 1bp = 0.84 plus 75 * 0.005 = 0.375: exactly 1.215 -> 1.22.
    # In binary floating point the sum is 1.2149999999999999, which would round to 1.21.
    assert 75 * 112.0 * 1.0 / 10_000 + 75 * 0.005 < 1.215
    model = CostModel(commission_bps=1, commission_per_share=0.005)
    assert model.commission(75, 112.0) == 1.22


@pytest.mark.parametrize("quantity", [1, 7, 75, 134, 200, 333, 1001])
@pytest.mark.parametrize("price", [0.37, 47.25, 75.0, 112.0, 195.25])
def test_cent_rounding_matches_exact_decimal_arithmetic(quantity: int, price: float) -> None:
    model = CostModel(commission_bps=2.5, commission_per_share=0.005)
    exact = Decimal(quantity) * Decimal(str(price)) * Decimal("2.5") / 10_000
    exact += Decimal(quantity) * Decimal("0.005")
    expected = float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert model.commission(quantity, price) == expected


def test_no_rounding_keeps_the_float_value() -> None:
    model = CostModel(commission_per_share=0.005, rounding=CommissionRounding.NONE)
    assert model.commission(3, 10.0) == 3 * 0.005
    minimum = CostModel(
        commission_per_share=0.005, commission_minimum=0.333, rounding=CommissionRounding.NONE
    )
    assert minimum.commission(3, 10.0) == 0.333


# --- commission schedules (hand-computed) ------------------------------------------------------


def test_per_share_with_minimum_and_maximum_per_order() -> None:
    model = CostModel(commission_per_share=0.01, commission_minimum=2.0, commission_maximum=7.5)
    assert model.commission(100, 30.0) == 2.0  # 1.00 raised to the 2.00 minimum
    assert model.commission(500, 30.0) == 5.0  # 5.00, between minimum and maximum
    assert model.commission(2000, 30.0) == 7.5  # 20.00 capped at 7.50


def test_fixed_fee_per_order_adds_to_the_rates() -> None:
    assert CostModel(commission_fixed=4.95).commission(1, 300.0) == 4.95
    assert CostModel(commission_fixed=4.95).commission(10_000, 3.0) == 4.95
    # 4.95 + 1000 * 20 * 1bp = 4.95 + 2.00
    assert CostModel(commission_fixed=4.95, commission_bps=1).commission(1000, 20.0) == 6.95


def test_tiered_per_share_bands_are_marginal() -> None:
    model = CostModel(
        commission_tiers=(
            CommissionTier(up_to=500, per_share=0.01),
            CommissionTier(up_to=2000, per_share=0.005),
            CommissionTier(per_share=0.002),
        )
    )
    assert model.commission(300, 10.0) == 3.0  # 300 * 0.01
    assert model.commission(500, 10.0) == 5.0  # exactly the first band
    assert model.commission(800, 10.0) == 6.5  # 500 * 0.01 + 300 * 0.005
    assert model.commission(3000, 10.0) == 14.5  # 5.00 + 1500 * 0.005 + 1000 * 0.002
    # 1 share at 0.01 = 0.01; 0.5 of a unit in the second band: 5.00 + 0.0025 -> 5.00 (half up
    # only from 0.005); the exact path agrees with the float path
    assert model.commission(500.5, 10.0) == 5.0


def test_tiers_must_ascend_and_end_open_ended() -> None:
    with pytest.raises(ValidationError, match="last commission tier must be open-ended"):
        CostModel(commission_tiers=(CommissionTier(up_to=100, per_share=0.01),))
    with pytest.raises(ValidationError, match="must ascend strictly"):
        CostModel(
            commission_tiers=(
                CommissionTier(up_to=500, per_share=0.01),
                CommissionTier(up_to=500, per_share=0.005),
                CommissionTier(per_share=0.001),
            )
        )
    with pytest.raises(ValidationError, match="only the last commission tier"):
        CostModel(
            commission_tiers=(
                CommissionTier(per_share=0.01),
                CommissionTier(per_share=0.005),
            )
        )


def test_interactive_brokers_fixed_preset() -> None:
    ib = CostModel.preset("ib_fixed")
    assert COMMISSION_PRESETS["ib_fixed"] == {
        "commission_per_share": 0.005,
        "commission_minimum": 1.0,
        "commission_maximum_bps": 100.0,
    }
    assert ib.commission(100, 50.0) == 1.0  # 0.50 raised to the USD 1 minimum
    assert ib.commission(1000, 50.0) == 5.0  # 1000 * 0.005
    assert ib.commission(10, 5.0) == 0.5  # 0.05 -> minimum 1.00 -> cap 1% of USD 50 = 0.50
    assert ib.commission(300, 0.4) == 1.2  # 1.50, capped at 1% of USD 120
    assert ib.commission(333, 12.34) == 1.67  # 1.665 rounds half up
    assert CostModel.preset("ib_fixed", slippage_bps=2).slippage_bps == 2
    with pytest.raises(ValueError, match="unknown commission preset 'ib'; known presets: ib_fixed"):
        CostModel.preset("ib")


def test_describe_states_every_part_that_is_set() -> None:
    assert CostModel().describe() == (
        "commission 0 bps + 0/share (min 0, rounding cent), slippage 0 bps"
    )
    tiered = CostModel(
        commission_bps=1,
        commission_fixed=0.5,
        commission_tiers=(
            CommissionTier(up_to=500, per_share=0.01),
            CommissionTier(per_share=0.005),
        ),
        commission_maximum=9,
        slippage_bps=2,
    )
    assert tiered.describe() == (
        "commission 1 bps + 0/share + 0.5 fixed + tiers [0.01/share to 500, 0.005/share beyond] "
        "(min 0, max 9, rounding cent), slippage 2 bps"
    )


def test_cap_wins_over_the_minimum_without_rounding() -> None:
    model = CostModel(
        commission_per_share=0.005,
        commission_minimum=1.0,
        commission_maximum_bps=100,
        rounding=CommissionRounding.NONE,
    )
    assert model.commission(10, 5.0) == pytest.approx(0.5, rel=1e-15)
    assert model.commission(1000, 50.0) == pytest.approx(5.0, rel=1e-15)


def test_cost_model_refuses_negative_rates_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        CostModel(commission_bps=-1)
    with pytest.raises(ValidationError):
        CostModel(commision_bps=1)  # type: ignore[call-arg]


def test_slipped_price_moves_against_the_trader() -> None:
    model = CostModel(slippage_bps=10)
    assert model.slipped_price(OrderSide.BUY, 100.0) == pytest.approx(100.1, rel=1e-15)
    assert model.slipped_price(OrderSide.SELL, 100.0) == pytest.approx(99.9, rel=1e-15)
    assert CostModel().slipped_price(OrderSide.BUY, 100.0) == 100.0


# The float fast path of the cent commission must give exactly what the decimal path gives.
_prices = st.one_of(
    st.floats(min_value=0.01, max_value=100_000.0, allow_nan=False),
    st.integers(min_value=1, max_value=10_000_000).map(lambda c: c / 100),  # whole cents
)
_quantities = st.one_of(
    st.integers(min_value=1, max_value=1_000_000).map(float),
    st.floats(min_value=0.001, max_value=1e6, allow_nan=False),
)
_rates = st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 0.25])
_per_share = st.sampled_from([0.0, 0.001, 0.0035, 0.005, 0.01, 0.02])
_minimum = st.sampled_from([0.0, 0.35, 1.0, 2.5])


@settings(max_examples=600, deadline=None)
@given(_quantities, _prices, _rates, _per_share, _minimum)
def test_cent_commission_fast_path_equals_the_exact_decimal_one(q, p, bps, per_share, minimum):
    model = CostModel(
        commission_bps=bps, commission_per_share=per_share, commission_minimum=minimum
    )
    assert model.commission(q, p) == model._exact_cent_commission(q, p)


def test_cent_commission_fast_path_defers_true_half_cents_to_the_decimal_path():
    # 75 * 112.0 * 1bp + 75 * 0.005 = 1.215 exactly; in floats 1.2149999...: half up is 1.22
    model = CostModel(commission_bps=1, commission_per_share=0.005)
    assert model.commission(75, 112.0) == model._exact_cent_commission(75, 112.0) == 1.22
    # 1 * 0.5 * 1bp: 0.005 exactly -> 0.01
    assert CostModel(commission_bps=100).commission(1, 0.5) == 0.01


def test_volume_share_slippage_needs_its_cap_and_describe_names_every_price_cost() -> None:
    with pytest.raises(ValidationError, match="volume_impact needs volume_limit"):
        CostModel(volume_impact=0.1)
    with pytest.raises(ValidationError, match="volume_limit"):
        CostModel(volume_limit=1.5)
    text = CostModel(
        spread_bps=8, volume_limit=0.025, volume_impact=0.1, impact_y=1, impact_window=15
    ).describe()
    assert "spread 8 bps (half paid per fill)" in text
    assert "fills capped at 0.025 of bar volume" in text
    assert "volume-share slippage 0.1 x (q/volume)^2" in text
    assert "sqrt impact 1 x sigma x sqrt(q/ADV) over 15 bars" in text
    # half the spread plus the slippage, one fraction of price
    costs = CostModel(spread_bps=8, slippage_bps=3).price_costs()
    assert (costs.spread, costs.slippage, costs.impact) == (0.0004, 0.0003, 0.0)
