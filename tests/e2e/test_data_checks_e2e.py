"""`finbot backtest` on implausible or gappy data, and a run whose every order is rejected."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from finbot.cli import EXIT_USAGE, app

runner = CliRunner()

# 60 XNYS sessions from Mon 2024-02-05 (Presidents' Day 2024-02-19 and Good Friday 2024-03-29
# are not sessions, so they are left out).
HOLIDAYS = {date(2024, 2, 19), date(2024, 3, 29)}
SESSIONS = [
    d for d in (date(2024, 2, 5) + timedelta(days=i) for i in range(120))
    if d.weekday() < 5 and d not in HOLIDAYS
][:60]


def write_csv(path: Path, days: list[date]) -> Path:
    lines = ["Date,Open,High,Low,Close,Volume,OpenInterest"]
    for i, day in enumerate(days):
        close = 50 + 5 * ((i // 7) % 2) + 0.1 * i  # steps up and down: the SMAs cross
        lines.append(f"{day},{close - 0.2:.2f},{close + 0.5:.2f},{close - 0.5:.2f},{close:.2f},"
                     f"{1000 + i},0")
    path.write_text("\n".join(lines) + "\n")
    return path


def strategy_file(folder: Path, on_bar: str) -> str:
    """A strategy file whose ``on_bar`` runs one line; returns its ``file.py:Class`` reference."""
    source = folder / "scripted.py"
    source.write_text(
        "from finbot.contracts import Strategy\n\n\nclass Scripted(Strategy):\n"
        f"    def on_bar(self, ctx, bars):\n        {on_bar}\n"
    )
    return f"{source}:Scripted"


def backtest(*args: str):
    return runner.invoke(app, ["backtest", "--no-record", *args])


def test_a_saturday_row_is_an_input_error_naming_file_row_and_date(tmp_path: Path) -> None:
    days = [*SESSIONS[:10], date(2024, 2, 17), *SESSIONS[10:]]  # a Saturday, line 12
    path = write_csv(tmp_path / "aaa.csv", days)
    result = backtest("--data", str(path))
    assert result.exit_code == EXIT_USAGE, result.output
    assert "Traceback" not in result.output
    for fragment in (str(path), "row 12", "2024-02-17 (Saturday) is not a XNYS session",
                     "--allow off-session"):
        assert fragment in result.stderr
    allowed = backtest("--data", str(path), "--allow", "off-session", "--json")
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["config"]["dataset"]["allow"] == ["off-session"]


def test_gaps_raise_by_default_and_ffill_or_drop_are_recorded(tmp_path: Path) -> None:
    gappy = [d for d in SESSIONS if d not in (SESSIONS[20], SESSIONS[40])]
    path = write_csv(tmp_path / "aaa.csv", gappy)
    result = backtest("--data", str(path))
    assert result.exit_code == EXIT_USAGE
    assert f"AAA misses 2: {SESSIONS[20]}, {SESSIONS[40]}" in result.stderr
    for policy, field in (("ffill", "filled"), ("drop", "missing_sessions")):
        ran = backtest("--data", str(path), "--missing-data", policy, "-p", "fast=2",
                       "-p", "slow=4", "--json")
        assert ran.exit_code == 0, ran.output
        payload = json.loads(ran.stdout)
        assert payload["config"]["missing_data"] == policy
        quality = payload["data_quality"]
        assert quality["missing_data"] == policy and quality["calendar"] == "XNYS"
        assert len(quality[field]["AAA"]) == 2
    shown = backtest("--data", str(path), "--missing-data", "ffill", "-p", "fast=2",
                     "-p", "slow=4")
    assert "missing data ffill: 2 missing session(s), 2 bar(s) filled" in " ".join(
        shown.stdout.split())


def test_an_engine_fill_on_a_forward_filled_bar_fails_the_run(tmp_path: Path) -> None:
    # The engines fill on every bar they are given; finbot refuses a result with a fill on a
    # synthetic bar rather than report it (see docs/adr/0017).
    # Buys one share on every bar: each fills at the next bar's open, the synthetic one too.
    strategy = strategy_file(tmp_path, "ctx.buy(ctx.instrument_ids[0], 1)")
    gappy = [d for d in SESSIONS if d != SESSIONS[31]]
    path = write_csv(tmp_path / "aaa.csv", gappy)
    result = backtest("--data", str(path), "--missing-data", "ffill",
                      "--strategy", strategy)
    assert result.exit_code == 1, result.output
    assert f"on a forward-filled bar of AAA at {SESSIONS[31]}" in result.stderr


def test_the_golden_run_records_its_declared_gap() -> None:
    result = backtest("--json")
    assert result.exit_code == 0, result.output
    quality = json.loads(result.stdout)["data_quality"]
    assert quality["calendar"] == "24/5" and quality["missing_data"] == "raise"
    assert quality["known_gaps"] == {"DELTA": [1647302400000000000]}  # 2022-03-15


def test_fewer_bars_than_the_warmup_is_a_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "aaa.csv", SESSIONS[:20])
    result = backtest("--data", str(path))  # sma_crossover's slow SMA needs 30 bars
    assert result.exit_code == 0, result.output
    assert "warning: AAA has 20 bars, fewer than the strategy's warm-up of 30" in " ".join(
        result.stdout.split())


def test_a_run_whose_every_order_is_rejected_says_so(tmp_path: Path) -> None:
    # Every fifth bar, an order far beyond the cash.
    strategy = strategy_file(
        tmp_path,
        "if not ctx.open_orders(ctx.instrument_ids[0]) and ctx.bar_count(ctx.instrument_ids[0]) "
        "% 5 == 0: ctx.buy(ctx.instrument_ids[0], 1_000_000)",
    )
    path = write_csv(tmp_path / "aaa.csv", SESSIONS)
    args = ("--data", str(path), "--strategy", strategy)
    result = backtest(*args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "EVERY ORDER WAS REJECTED" in text
    assert "11 of 12 orders rejected: insufficient cash (11)" in text
    payload = json.loads(backtest(*args, "--json").stdout)
    assert payload["rejections"] == {
        "count": 11, "all_rejected": True,
        "top_reasons": [{"reason": "insufficient cash", "count": 11}],
    }
