"""Under pytest-xdist, each worker process its own channel layer.

pytest-django already gives each worker its own test database. A channel layer
in Redis is shared by every process that names the same server: two workers
replaying the same recorded room would deliver each other's broadcasts. Each
worker's channels_redis layers get the worker id in their key prefix (groups
and channels are keys under it), so they never meet; in-memory layers are per
process already.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["isolate_channel_layers", "xdist_worker"]

DEFAULT_PREFIX = "asgi"
"""channels_redis's own default key prefix."""


def xdist_worker() -> str | None:
    """The pytest-xdist worker id of this process (`gw0`, ...), or None."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def isolate_channel_layers(layers: dict[str, Any], worker: str) -> list[str]:
    """Suffix the key prefix of every channels_redis layer in `layers` with `worker`.

    Changes `layers` (the CHANNEL_LAYERS setting) in place; the aliases changed.
    """
    changed = []
    for alias, layer in layers.items():
        if not str(layer.get("BACKEND", "")).startswith("channels_redis."):
            continue
        config = layer.setdefault("CONFIG", {})
        prefix = str(config.get("prefix", DEFAULT_PREFIX))
        if not prefix.endswith(f"-{worker}"):
            config["prefix"] = f"{prefix}-{worker}"
            changed.append(alias)
    return changed
