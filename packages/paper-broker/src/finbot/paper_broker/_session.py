"""``PaperSession``: a feed replayed through a strategy, the risk controls and the simulated broker.

Every event is journaled and the state checkpointed, so that a killed session resumes exactly.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from finbot.contracts import (
    BacktestResult,
    ConfigError,
    EngineInfo,
    Instrument,
    MarketData,
    RunConfig,
    Strategy,
    StrategyRunner,
)
from finbot.contracts.engine import BrokerRouter, Clock

from ._broker import Live, PaperBroker
from ._checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from ._config import PaperSettings
from ._controls import Controls
from ._events import EventStream, SessionListener
from ._feed import MarketFeed, ReplayFeed
from ._journal import Journal
from ._observed import Observed
from ._risk import RiskControls
from ._venue import SimulatedBroker, deliver, make_venue

JOURNAL_FILE = "journal.sqlite"
CHECKPOINT_FILE = "checkpoint.pkl"
SESSION_FILE = "session.json"
ENGINE_NAME = "paper"


@dataclass(slots=True)
class _State:
    """Everything a checkpoint holds: the runner reaches the strategy, broker, risk and venue."""

    runner: StrategyRunner
    broker: PaperBroker
    venue: SimulatedBroker
    streamed: bool = False
    next_step: int = 0
    last_ts: int | None = None
    started: bool = False
    finished: bool = False


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    """How ``PaperSession.run`` ended: a result when the feed ran out, else why it stopped."""

    result: BacktestResult | None
    stopped: str | None
    last_event: int


def _adapter_version() -> str:
    try:
        return version("finbot-paper-broker")
    except PackageNotFoundError:  # a source tree without metadata
        return "unknown"


def write_session_file(directory: Path, config: RunConfig, settings: PaperSettings) -> None:
    """Record what a new session runs, so that ``resume`` can rebuild it."""
    payload = {
        "config": config.model_dump(mode="json"),
        "settings": settings.model_dump(mode="json"),
    }
    tmp = directory / (SESSION_FILE + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, directory / SESSION_FILE)


def read_session_file(directory: Path) -> tuple[RunConfig, PaperSettings]:
    """The config and settings a session in ``directory`` was started with.

    Raises:
        ConfigError: no session there, or its file is unreadable.
    """
    path = directory / SESSION_FILE
    if not path.is_file():
        raise ConfigError(f"no paper session in {directory} ({SESSION_FILE} is missing)")
    try:
        payload = json.loads(path.read_text())
        return (
            RunConfig.model_validate(payload["config"]),
            PaperSettings.model_validate(payload["settings"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a readable paper session file ({exc})") from exc


class PaperSession:
    """One paper session in a directory: its journal, checkpoint and control files live there.

    Build it with :meth:`open`, which resumes from the directory's checkpoint when there is one.
    """

    def __init__(
        self,
        directory: Path,
        config: RunConfig,
        settings: PaperSettings,
        identity: dict[str, str],
        state: _State,
        live: Live,
        feed: MarketFeed,
        clock: Clock | None,
        checkpointed: int,
    ) -> None:
        self.directory = directory
        self.config = config
        self.settings = settings
        self.identity = identity
        self.state = state
        self.live = live
        self.feed = feed
        self.clock = clock
        self._checkpointed = checkpointed

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        config: RunConfig,
        settings: PaperSettings,
        strategy: Strategy,
        data: MarketData | None = None,
        instruments: Sequence[Instrument] = (),
        listener: SessionListener | None = None,
        clock: Clock | None = None,
        feed: MarketFeed | None = None,
    ) -> PaperSession:
        """A session in ``directory``: new, or resumed from its last checkpoint.

        With ``data`` the session replays it (through ``feed`` when given, else a
        :class:`ReplayFeed`). Without, or with ``settings.streamed``, it is a stream: ``feed``
        (or the replay of ``data``) delivers the bars of ``instruments`` (or the data's) step by
        step and the run never knows which step is its last, as with a live source. ``clock``
        paces the steps (e.g. ``WallClock(speed=86400)``); None takes them at once. ``strategy``
        is a fresh instance; a resume replaces it with the checkpointed one.

        Raises:
            ConfigError: neither ``data`` nor a ``feed`` with ``instruments`` is given.
            CheckpointError: the checkpoint belongs to another config or data, or is damaged.
            JournalError: the journal cannot be opened.
        """
        if data is None and (feed is None or not instruments):
            raise ConfigError("a paper session needs data to replay, or a feed and its instruments")
        directory.mkdir(parents=True, exist_ok=True)
        journal = Journal(directory / JOURNAL_FILE)
        identity = {
            "config": config.canonical_json(),
            "data": data.snapshot_id() if data is not None else _stream_id(instruments),
        }
        if data is not None and settings.streamed:
            instruments = list(data.instruments.values())
        fresh = _new_state(config, settings, strategy, data, instruments)
        checkpoint = directory / CHECKPOINT_FILE
        after = 0
        externals = _externals(fresh.runner)
        if checkpoint.exists():
            head, loaded = read_checkpoint(checkpoint, {**externals, "live": None})
            if head.get("identity") != identity:
                raise CheckpointError(
                    f"{checkpoint} belongs to another session (config or data differ)"
                )
            if not isinstance(loaded, _State):
                raise CheckpointError(f"{checkpoint} does not hold a paper session state")
            fresh, after = loaded, int(head["position"])
        if feed is None:
            assert data is not None  # checked above
            feed = ReplayFeed(data)
        events = EventStream(journal, after, listener)
        live = Live(events, Controls(directory))
        fresh.broker.live = live
        session = cls(
            directory,
            config,
            settings,
            identity,
            fresh,
            live,
            feed,
            clock,
            after,
        )
        if journal.last_seq == 0:
            events.mark("session_started", _first_ts(fresh.runner), {"identity": identity})
        else:
            events.mark("session_resumed", _first_ts(fresh.runner), {"checkpoint_position": after})
        return session

    # --- running -----------------------------------------------------------------------------
    def run(self, *, handle_signals: bool = False) -> SessionOutcome:
        """Run until the feed ends, SIGTERM has flattened the book, or SIGINT; checkpoint then.

        Raises:
            CheckpointError: the session had already finished.
            JournalError: a resume produced events that differ from the journal.
        """
        st = self.state
        if st.finished:
            raise CheckpointError(f"the paper session in {self.directory} has already finished")
        with _signals(self.live.controls) if handle_signals else contextlib.nullcontext():
            stopped = self._steps()
            if stopped is not None:
                self.checkpoint()
                return SessionOutcome(None, stopped, self.live.events.position)
            return SessionOutcome(self._finish(), None, self.live.events.position)

    def _steps(self) -> str | None:
        st = self.state
        runner, broker = st.runner, st.broker
        live = self.live
        every = self.settings.checkpoint_every
        if not st.started:
            runner.start()
            st.started = True
        streamed = st.streamed
        clock = self.clock
        for ts, bars in self.feed.steps(st.last_ts):
            if clock is not None:
                clock.wait_until(ts)
            deliver(broker.poll(ts, bars), runner)
            if streamed:
                runner.push(ts, bars)
            else:
                runner.step(ts)
            st.next_step += 1
            st.last_ts = ts
            if live.events.position - self._checkpointed >= every:
                self.checkpoint()
            if live.controls.interrupted:
                return "interrupted (SIGINT); resume with `finbot paper resume`"
            if live.stop_when_flat and broker.flat:
                return "stopped by SIGTERM after the kill switch flattened the book"
        return None

    def _finish(self) -> BacktestResult:
        st = self.state
        runner = st.runner
        deliver(st.broker.drain(), runner)
        runner.stop()
        result = runner.result(
            EngineInfo(
                name=ENGINE_NAME,
                version=_adapter_version(),
                adapter="finbot-paper-broker",
                adapter_version=_adapter_version(),
                details={
                    "paper_settings": json.dumps(
                        self.settings.model_dump(mode="json"), sort_keys=True, separators=(",", ":")
                    )
                },
            )
        )
        st.finished = True
        self.live.events.mark("session_finished", runner.now_ns, {"final_equity": runner.equity()})
        self.checkpoint()
        return result

    def checkpoint(self) -> None:
        """Write the session's state atomically (also done every ``checkpoint_every`` events)."""
        st = self.state
        position = self.live.events.position
        header = {
            "identity": self.identity,
            "position": position,
            "next_step": st.next_step,
            "finished": st.finished,
        }
        externals = {**_externals(st.runner), "live": self.live}
        try:
            write_checkpoint(
                self.directory / CHECKPOINT_FILE, st, header, externals, fsync=self.settings.fsync
            )
        except (TypeError, AttributeError, ValueError) as exc:  # what pickle raises
            raise CheckpointError(
                f"cannot checkpoint strategy {self.config.strategy.id}: its state is not "
                f"picklable ({exc})"
            ) from exc
        self._checkpointed = position

    def close(self) -> None:
        """Close the journal."""
        self.live.events.journal.close()


def _new_state(
    config: RunConfig,
    settings: PaperSettings,
    strategy: Strategy,
    data: MarketData | None,
    instruments: Sequence[Instrument],
) -> _State:
    broker = PaperBroker(RiskControls(settings.risk))
    observed = Observed(strategy, broker)
    # The runner reaches the paper broker through its Broker port, as it would a live one.
    router = BrokerRouter()
    if data is None or settings.streamed:
        runner = StrategyRunner.streaming(observed, config, instruments, router)
    else:
        runner = StrategyRunner(observed, config, data, router)
    venue = make_venue(runner, config, settings)
    broker.bind(runner, venue)
    router.bind(runner, broker)
    streamed = data is None or settings.streamed
    return _State(runner=runner, broker=broker, venue=venue, streamed=streamed)


def _stream_id(instruments: Sequence[Instrument]) -> str:
    return "stream of " + ",".join(sorted(i.id for i in instruments))


def _externals(runner: StrategyRunner) -> dict[str, Any]:
    """Objects a resume rebuilds from the data, so a checkpoint refers to them instead.

    The strategy's classes are among them: one loaded from a file lives in a module a new import
    replaces, where pickle could not find it by name; the resume loads it afresh anyway.
    """
    data = runner.data  # the replayed data (empty for a stream, whose bars are state)
    found: dict[str, Any] = {"data": data, "timeline": runner.timeline}
    strategy = runner.strategy.inner if isinstance(runner.strategy, Observed) else runner.strategy
    for cls in _user_classes(type(strategy)):
        found[f"class:{cls.__module__}.{cls.__qualname__}"] = cls
    for iid in data.instrument_ids:
        series = data.bars(iid)
        found[f"series:{iid}"] = series
        for field in ("ts_ns", "open", "high", "low", "close", "volume"):
            found[f"column:{iid}:{field}"] = getattr(series, field)
    return found


def _user_classes(strategy_cls: type) -> list[type]:
    """The strategy's classes outside finbot, and the classes of the modules defining them."""
    found: list[type] = []
    for cls in strategy_cls.__mro__:
        if cls.__module__ == "builtins" or cls.__module__.startswith("finbot."):
            continue
        found.append(cls)
        # the namespace the class was defined in: a module the loader may since have replaced
        namespace = next(
            (f.__globals__ for f in vars(cls).values() if inspect.isfunction(f)), {}
        )
        found.extend(
            obj
            for obj in namespace.values()
            if isinstance(obj, type) and obj.__module__ == cls.__module__ and obj is not cls
        )
    return found


def _first_ts(runner: StrategyRunner) -> int:
    return runner.now_ns


@contextlib.contextmanager
def _signals(controls: Controls) -> Iterator[None]:
    """SIGTERM trips the kill switch (then the session stops once flat); SIGINT stops cleanly."""

    def on_term(signum: int, frame: object) -> None:
        controls.sigterm = True

    def on_int(signum: int, frame: object) -> None:
        controls.interrupted = True

    previous = signal.signal(signal.SIGTERM, on_term), signal.signal(signal.SIGINT, on_int)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
