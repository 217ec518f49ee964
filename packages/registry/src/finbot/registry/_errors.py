"""Errors the registry raises: missing runs, illegal state changes and failed integrity checks."""

from __future__ import annotations

from finbot.contracts import FinbotError


class RegistryError(FinbotError):
    """Base of every registry error; the CLI prints these without a traceback."""


class RunNotFoundError(RegistryError, LookupError):
    """No run (or no unique run, for a prefix) matches the id asked for."""


class RegistryNotFoundError(RegistryError, LookupError):
    """No registry at the location given, and the caller asked not to create one."""


class RunStateError(RegistryError):
    """A change the append-only rules forbid, e.g. finishing a run that already finished."""


class RegistryIntegrityError(RegistryError):
    """A stored record or artifact no longer matches the hash stored with it: it was altered."""

    def __init__(self, message: str, *, run_id: str | None = None, what: str | None = None) -> None:
        self.run_id = run_id
        self.what = what
        prefix = f"run {run_id}: " if run_id else ""
        super().__init__(f"{prefix}integrity check failed: {message}")

    @classmethod
    def from_message(cls, message: str, *, run_id: str | None = None) -> RegistryIntegrityError:
        """An error whose message is already complete (as ``Registry.scan`` reports it)."""
        error = cls.__new__(cls)
        Exception.__init__(error, message)
        error.run_id = run_id
        error.what = None
        return error
