"""Recording: the ASGI recorder middleware, the dev-server runner and the recording proxy."""

__all__: list[str] = []
