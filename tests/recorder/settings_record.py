"""The example settings with the RECORD setting, as a developer would turn recording on.

The cassette target comes from the environment (CHANNELS_REPLAY_TEST_RECORD) so that
each test records into its own temporary directory. `daphne` is installed first so that
`manage.py runserver` is Channels' (daphne's) runserver.
"""

import os

from example.settings import *  # noqa: F403
from example.settings import INSTALLED_APPS

INSTALLED_APPS = ["daphne", *INSTALLED_APPS, "channels_replay"]

CHANNELS_REPLAY = {
    "RECORD": os.environ["CHANNELS_REPLAY_TEST_RECORD"],
    "SNAPSHOT": ["auth", "example"],
}

DEBUG = os.environ.get("CHANNELS_REPLAY_TEST_DEBUG", "1") == "1"
