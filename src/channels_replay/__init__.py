"""channels-replay: record Django Channels WebSocket sessions and replay them as tests."""

__version__ = "0.1.0"

__all__ = ["__version__"]
