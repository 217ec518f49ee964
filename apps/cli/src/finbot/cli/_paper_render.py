"""How ``finbot paper`` shows a session live: one line per journaled event (rich)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from finbot.contracts import from_ns

_STYLE = {
    "order_new": "cyan",
    "order_modified": "cyan",
    "order_accepted": "blue",
    "order_partially_filled": "green",
    "order_filled": "bold green",
    "order_canceled": "yellow",
    "order_expired": "yellow",
    "order_rejected": "red",
    "drawdown_stop": "bold red",
    "kill_switch_tripped": "bold red",
    "kill_switch_reset": "bold magenta",
}


def _order(p: Mapping[str, Any]) -> str:
    price = p.get("limit_price") or p.get("stop_price")
    at = f" @ {price:g}" if price else ""
    tag = f" [{p['tag']}]" if p.get("tag") else ""
    return f"{p['side']} {p['quantity']:g} {p['instrument_id']} {p['order_type']}{at}{tag}"


def describe(kind: str, payload: Mapping[str, Any]) -> str:
    """The details of one event as a short text."""
    if kind in ("order_new", "order_modified"):
        return _order(payload)
    if kind in ("order_filled", "order_partially_filled"):
        p = payload
        return (
            f"{p['side']} {p['quantity']:g} {p['instrument_id']} at {p['price']:g} "
            f"(fee {p['commission']:.2f}, filled {p['filled_quantity']:g})"
        )
    if "reason" in payload:
        return str(payload["reason"])
    return ", ".join(f"{k}={v}" for k, v in payload.items() if k != "identity")


class EventPrinter:
    """A ``SessionListener`` that prints each event as it is journaled."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def on_event(
        self, kind: str, ts_ns: int, order_id: str | None, payload: Mapping[str, Any]
    ) -> None:
        style = _STYLE.get(kind, "dim")
        when = from_ns(ts_ns).strftime("%Y-%m-%d %H:%M")
        self.console.print(
            f"{when}  [{style}]{kind:<22}[/] {order_id or '':<9} {escape(describe(kind, payload))}",
            highlight=False,
            soft_wrap=True,
        )
