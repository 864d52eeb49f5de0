"""Replay: cassette -> steps -> drive connections -> collect -> diff -> result."""

__all__: list[str] = []
