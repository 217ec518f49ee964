"""The finbot command."""
