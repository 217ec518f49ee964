"""finbot registry: placeholder public API."""

__all__: list[str] = []
