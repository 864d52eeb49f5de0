"""SignalsMixin: makes a channels AsyncJsonWebsocketConsumer speak the chanx signals.

After accepting a connection it sends the authentication message; after handling
each client frame it sends `complete`; after handling each channel-layer (group)
event it sends `group_complete` (both only while the `SEND_COMPLETION` setting is
True, the default). Those signals tell a test, and the replay engine,
where an exchange ends without waiting for a timeout.
"""

from __future__ import annotations

from typing import Any

from channels_replay.messages import AuthenticationPayload
from channels_replay.settings import replay_settings

__all__ = ["SignalsMixin"]


class SignalsMixin:
    """Mix in before the consumer class: `class C(SignalsMixin, AsyncJsonWebsocketConsumer)`.

    Override `authenticate()` to decide whether a connection is allowed; a refused
    connection is accepted, told why in the authentication message, then closed
    with `authentication_failed_close_code`.
    """

    authentication_failed_close_code: int = 4003
    authentication: AuthenticationPayload | None = None

    async def authenticate(self) -> AuthenticationPayload:
        """Decide on the connection; the default lets everyone in."""
        return AuthenticationPayload(status_code=200, status_text="OK")

    async def send_signal(self, action: str, payload: Any = None) -> None:
        """Send `{action, payload}` with the configured action key."""
        message = {replay_settings.MESSAGE_ACTION_KEY: action, "payload": payload}
        if replay_settings.CAMELIZE:
            import humps

            message = humps.camelize(message)
        await self.send_json(message)  # type: ignore[attr-defined]

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.authentication = await self.authenticate()
        if 200 <= self.authentication.status_code < 300:
            await super().websocket_connect(message)  # type: ignore[misc]
            return
        await self.accept()
        await self.close(code=self.authentication_failed_close_code)

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        if headers is None:  # channels 4.0's accept takes no headers
            await super().accept(subprotocol)  # type: ignore[misc]
        else:
            await super().accept(subprotocol, headers)  # type: ignore[misc]
        if replay_settings.SEND_AUTHENTICATION_MESSAGE:
            status = self.authentication or AuthenticationPayload(status_code=200, status_text="OK")
            await self.send_signal(
                replay_settings.AUTHENTICATION_ACTION, status.model_dump(mode="json")
            )

    async def dispatch(self, message: dict[str, Any]) -> None:
        await super().dispatch(message)  # type: ignore[misc]
        if getattr(self, "_signals_closed", False):
            return
        if not replay_settings.SEND_COMPLETION:
            return
        kind = message.get("type", "")
        if kind == "websocket.receive":
            await self.send_signal(replay_settings.COMPLETE_ACTION)
        elif not kind.startswith("websocket."):
            await self.send_signal(replay_settings.GROUP_COMPLETE_ACTION)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        self._signals_closed = True
        if reason is None:  # channels 4.0's close takes no reason
            await super().close(code=code)  # type: ignore[misc]
        else:
            await super().close(code=code, reason=reason)  # type: ignore[misc]
