"""``PaperEngine``: a paper session replayed at full speed as a backtest engine (``paper``).

It lets the parity gate and ``finbot backtest --engine paper`` run the paper path end to end:
risk controls, lifecycle, journal and checkpoints included, in a throwaway session directory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from finbot.contracts import BacktestResult, EngineRunError, MarketData, RunConfig, Strategy

from ._config import PaperSettings
from ._session import ENGINE_NAME, PaperSession

# The session directory is deleted after the run: durability buys nothing there.
_THROWAWAY = PaperSettings(fsync=False, checkpoint_every=10_000)


class PaperEngine:
    """Runs a contract strategy as a paper session over recorded data (engine id ``paper``)."""

    def __init__(self, settings: PaperSettings | None = None) -> None:
        self.settings = settings or _THROWAWAY

    @property
    def name(self) -> str:
        """The engine id, ``paper``."""
        return ENGINE_NAME

    def run(self, config: RunConfig, strategy: Strategy, data: MarketData) -> BacktestResult:
        """Replay ``data`` through ``strategy`` as fast as possible; the session's result.

        Raises:
            EngineRunError: the session stopped before the end of the data (kill switch).
        """
        with tempfile.TemporaryDirectory(prefix="finbot-paper-") as directory:
            session = PaperSession.open(
                Path(directory),
                config=config,
                settings=self.settings,
                strategy=strategy,
                data=data,
            )
            try:
                outcome = session.run()
            finally:
                session.close()
        if outcome.result is None:
            raise EngineRunError(f"the paper session stopped early: {outcome.stopped}")
        return outcome.result
