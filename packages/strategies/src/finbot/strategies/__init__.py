"""finbot strategies: placeholder public API."""

__all__: list[str] = []
