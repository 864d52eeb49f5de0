"""The example settings as in production: DEBUG off (the recorder must refuse)."""

from example.settings import *  # noqa: F403

DEBUG = False
