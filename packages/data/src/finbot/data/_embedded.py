"""Reading the frozen datasets shipped inside this package, verifying every file's sha256 first."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from finbot.contracts import (
    CorporateAction,
    DataValidationError,
    Instrument,
    MarketData,
    to_ns,
)

from ._csv import parse_csv_bars
from ._golden import ACTIONS_FILE, MANIFEST
from ._origin import Origins

EMBEDDED_DATASETS: tuple[str, ...] = ("golden",)
_ACTIONS = TypeAdapter(list[CorporateAction])
_GAPS = TypeAdapter(dict[str, list[date]])


def embedded_dataset_dir(name: str) -> Traversable:
    """Where an embedded dataset's files live inside the installed package."""
    return resources.files("finbot.data").joinpath("datasets", name)


def load_embedded(name: str, *, origins: Origins | None = None) -> MarketData:
    """Load an embedded dataset (raw prices plus its corporate actions), checksums verified.

    Raises:
        DataValidationError: A file is missing or its sha256 differs from the manifest.
    """
    return read_frozen_dataset(embedded_dataset_dir(name), name=name, origins=origins)


def read_frozen_dataset(
    folder: str | Path | Traversable, *, name: str | None = None, origins: Origins | None = None
) -> MarketData:
    """Load a folder written by ``generate_golden_dataset``, verifying every file's sha256.

    Args:
        folder: Holds ``manifest.json``, one ``{INSTRUMENT}.csv`` per instrument and
            ``corporate_actions.json``.
        name: The dataset's name (default: the manifest's).
        origins: When given, filled with each instrument's file and rows (for later checks).

    The manifest may declare the data's ``calendar`` and its ``known_gaps`` (instrument -> list of
    ``YYYY-MM-DD`` sessions it has no bar for); both go into the ``MarketData``.

    Raises:
        DataValidationError: The manifest or a file is missing, or a checksum differs.
    """
    root: Traversable = Path(folder) if isinstance(folder, str | Path) else folder
    manifest_file = root.joinpath(MANIFEST)
    try:
        manifest = json.loads(manifest_file.read_bytes())
    except FileNotFoundError:
        raise DataValidationError(
            "dataset manifest is missing", source=str(manifest_file)
        ) from None
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            f"manifest is not valid JSON: {exc}", source=str(manifest_file)
        ) from None
    files = {fname: _verified(root.joinpath(fname), digest) for fname, digest in _files(manifest)}
    instruments = [str(i) for i in manifest.get("instruments", [])]
    needed = [f"{iid}.csv" for iid in instruments] + [ACTIONS_FILE]
    unlisted = [fname for fname in needed if fname not in files]
    if unlisted:
        raise DataValidationError(
            f"manifest lists no checksum for {', '.join(unlisted)}", source=str(manifest_file)
        )
    series = [
        parse_csv_bars(
            files[f"{iid}.csv"],
            source=str(root.joinpath(f"{iid}.csv")),
            instrument_id=iid,
            origins=origins,
        )
        for iid in instruments
    ]
    try:
        actions = _ACTIONS.validate_json(files[ACTIONS_FILE])
    except ValidationError as exc:
        raise DataValidationError(
            f"invalid corporate actions: {exc}", source=str(root.joinpath(ACTIONS_FILE))
        ) from None
    label = name if name is not None else str(manifest.get("name", "dataset"))
    try:
        gaps = _GAPS.validate_python(manifest.get("known_gaps", {}))
    except ValidationError as exc:
        raise DataValidationError(
            f"invalid known_gaps: {exc}", source=str(manifest_file)
        ) from None
    calendar = manifest.get("calendar")
    return MarketData(
        (Instrument(id=s.instrument_id) for s in series),
        series,
        actions,
        name=label,
        calendar=str(calendar) if calendar is not None else None,
        known_gaps={iid: [to_ns(day) for day in days] for iid, days in gaps.items()},
    )


def _files(manifest: dict[str, object]) -> list[tuple[str, str]]:
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise DataValidationError("manifest has no 'files' table", source=MANIFEST)
    return sorted((str(k), str(v)) for k, v in files.items())


def _verified(file: Traversable, expected: str) -> bytes:
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise DataValidationError(
            "file listed in the manifest is missing", source=str(file)
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise DataValidationError(
            f"checksum mismatch: sha256 is {actual}, the manifest expects {expected}; the frozen "
            "file was modified (restore it, or regenerate with `python -m finbot.data.generate`)",
            source=str(file),
        )
    return data
