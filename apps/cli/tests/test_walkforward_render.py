"""``finbot walkforward``'s fold table shows each out-of-sample run's warm-up (ADR 0031)."""

from __future__ import annotations

from finbot_fakes import FakeWiring
from typer.testing import CliRunner

from finbot.cli import app

runner = CliRunner()


def test_the_fold_table_shows_the_warm_up_and_a_position_held_into_the_test_window(
    fake_wiring: FakeWiring,
) -> None:
    # Buy-and-hold buys on its first bar: warmed up on 4 sessions, it enters each test window
    # holding; cold (--warmup 0), it does not.
    args = ["walkforward", "-p", "fraction=0.2,0.5", "--folds", "2", "--test", "5",
            "--executor", "serial", "--no-record", "--metric", "total_return"]
    warm = runner.invoke(app, [*args, "--warmup", "4"])
    assert warm.exit_code == 0, warm.output
    assert "warm-up" in warm.stdout and warm.stdout.count("4, held") == 2
    assert "held: the out-of-sample run entered its test window holding a position" in " ".join(
        warm.stdout.split())
    cold = runner.invoke(app, [*args, "--warmup", "0"])
    assert cold.exit_code == 0, cold.output
    assert "held" not in cold.stdout
    bad = runner.invoke(app, [*args, "--warmup", "-1"])
    assert bad.exit_code == 2 and "warmup_sessions" in bad.stderr
