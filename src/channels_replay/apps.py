"""The Django app config: add `"channels_replay"` to INSTALLED_APPS to use the RECORD setting."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["ChannelsReplayConfig"]


class ChannelsReplayConfig(AppConfig):
    """Installs the recorder hook when `CHANNELS_REPLAY["RECORD"]` is set; nothing otherwise.

    The hook records every ProtocolTypeRouter built after `django.setup()` (see
    `channels_replay.recorder.install.install_settings_hook`).
    """

    name = "channels_replay"
    verbose_name = "channels-replay"

    def ready(self) -> None:
        from channels_replay.recorder.install import install_settings_hook

        install_settings_hook()
