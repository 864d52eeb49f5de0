"""The example settings with static files, as a project with pages has them (DEBUG on)."""

from pathlib import Path

from example.settings import *  # noqa: F403
from example.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.staticfiles"]
STATIC_URL = "/static/"
STATICFILES_DIRS = [Path(__file__).resolve().parent / "static"]
DEBUG = True
