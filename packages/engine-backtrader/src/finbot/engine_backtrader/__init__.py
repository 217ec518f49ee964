"""finbot engine_backtrader: placeholder public API."""

__all__: list[str] = []
