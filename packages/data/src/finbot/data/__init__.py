"""finbot data: placeholder public API."""

__all__: list[str] = []
