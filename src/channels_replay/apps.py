"""The Django app config: add `"channels_replay"` to INSTALLED_APPS for the RECORD setting
and the settings checks."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["ChannelsReplayConfig"]


class ChannelsReplayConfig(AppConfig):
    """Registers the system checks (`channels_replay.checks`) and installs the recorder
    hook when `CHANNELS_REPLAY["RECORD"]` is set.

    The hook records every ProtocolTypeRouter built after `django.setup()` (see
    `channels_replay.recorder.install.install_settings_hook`).
    """

    name = "channels_replay"
    verbose_name = "channels-replay"

    def ready(self) -> None:
        from channels_replay import checks  # noqa: F401  (registers the system checks)
        from channels_replay.recorder.install import install_settings_hook

        install_settings_hook()
