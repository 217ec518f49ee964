"""Backtrader's broker with splits and cash dividends applied to its positions and cash.

Backtrader has no corporate-action model. This broker follows the contract's ``ActionSchedule``
(the rule every engine shares, docs/adr/0023) on its own books: an action reaches an instrument
when Backtrader executes a fill priced on a bar at or after the ex-date, or at the end of the
step that brings such a bar; dividends owed are paid into its cash at the end of the pay step.
"""

from __future__ import annotations

from typing import Any

import backtrader as bt

from finbot.contracts.engine import ActionSchedule

_Order = bt.Order


class _Books:
    """Backtrader's broker as ``ActionBooks``: its positions by feed name and its cash."""

    def __init__(self, broker: ActionBroker, feeds: dict[str, Any]) -> None:
        self._broker = broker
        self._feeds = feeds

    def held(self, instrument_id: str) -> float:
        return float(self._broker.getposition(self._feeds[instrument_id]).size)

    def split(self, instrument_id: str, ratio: float) -> None:
        position = self._broker.getposition(self._feeds[instrument_id])
        if position.size:
            position.size *= ratio
            position.price /= ratio

    def credit(self, amount: float) -> None:
        self._broker.cash += amount


class ActionBroker(bt.brokers.BackBroker):  # type: ignore[misc]
    """``BackBroker`` that applies a run's corporate actions when :meth:`follow` was called."""

    def follow(
        self,
        schedule: ActionSchedule,
        feeds: dict[str, Any],
        to_ns: dict[float, int],
        step_dt: Any,
    ) -> None:
        """Apply ``schedule`` to this broker's positions and cash from now on.

        ``step_dt()`` is Backtrader's datetime of the step being prepared (whose bars the broker
        works now), ``to_ns`` maps Backtrader's datetimes to the timeline's UTC nanoseconds.
        """
        self._schedule = schedule
        self._books = _Books(self, feeds)
        self._feeds = feeds
        self._to_ns = to_ns
        self._step_dt = step_dt

    _schedule: ActionSchedule | None = None

    def _execute(
        self,
        order: Any,
        ago: Any = None,
        price: Any = None,
        cash: Any = None,
        position: Any = None,
        dtcoc: Any = None,
    ) -> Any:
        schedule = self._schedule
        if schedule and ago is not None and price is not None:
            # The bar this fill is priced on: the creation bar at the close (cheat-on-close),
            # else the feed's current bar, as Backtrader stamps the execution.
            label = dtcoc or order.data.datetime[ago]
            schedule.reach(order.data._name, self._to_ns[label], self._books)
        return super()._execute(
            order, ago=ago, price=price, cash=cash, position=position, dtcoc=dtcoc
        )

    def next(self) -> None:
        super().next()
        schedule = self._schedule
        if schedule:
            dt = self._step_dt()
            if dt is None:
                return
            ts = self._to_ns[dt]
            for iid, feed in self._feeds.items():
                if len(feed) and feed.datetime[0] == dt:  # the instrument has a bar this step
                    schedule.reach(iid, ts, self._books)
            schedule.pay(ts, self._books)
            self._get_value()  # refresh Backtrader's cached value after the cash moved
