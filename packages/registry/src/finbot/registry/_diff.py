"""Structural differences between two JSON values, as dotted paths (``fills[3].price``)."""

from __future__ import annotations

from typing import Any


def json_diff(old: Any, new: Any, *, path: str = "", limit: int = 20) -> list[str]:
    """Up to ``limit`` lines ``path: old -> new`` where two decoded JSON values differ."""
    out: list[str] = []
    _walk(old, new, path, out, limit)
    return out


def field_diff(
    old: dict[str, Any], new: dict[str, Any], *, per_field: int = 5, whole: tuple[str, ...] = ()
) -> list[str]:
    """Per top-level field: ``per_field`` difference lines (all for ``whole``), then a count."""
    out: list[str] = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        lines = json_diff(old.get(key), new.get(key), path=key, limit=10**9)
        keep = len(lines) if key in whole else per_field
        out.extend(lines[:keep])
        if len(lines) > keep:
            out.append(f"{key}: ... and {len(lines) - keep} more differences")
    return out


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _walk(old: Any, new: Any, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit or old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                out.append(f"{sub}: (absent) -> {_show(new[key])}")
            elif key not in new:
                out.append(f"{sub}: {_show(old[key])} -> (absent)")
            else:
                _walk(old[key], new[key], sub, out, limit)
            if len(out) >= limit:
                return
        return
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            out.append(f"{path}: length {len(old)} -> {len(new)}")
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            _walk(a, b, f"{path}[{i}]", out, limit)
            if len(out) >= limit:
                return
        return
    out.append(f"{path}: {_show(old)} -> {_show(new)}")


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one level of dotted keys (lists stay whole)."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, sub in value.items():
        flat.update(flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
    return flat
