"""Settings of the foreign project: SQLite in a temp path, the in-memory channel layer, chanx."""

import logging
import os
import sys
import tempfile
from pathlib import Path

import structlog

SECRET_KEY = "foreign-project-only-not-a-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "tests.foreign.project.apps.ForeignProjectConfig",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.foreign.project.urls"
ASGI_APPLICATION = "tests.foreign.project.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get(
            "FOREIGN_DB", str(Path(tempfile.gettempdir()) / "channels-replay-foreign.sqlite3")
        ),
    }
}

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# As chanx's docs configure it: the authentication message after connect, `complete`
# after each handled client frame, `group_complete` after each group message.
CHANX = {
    "SEND_COMPLETION": True,
    "SEND_AUTHENTICATION_MESSAGE": True,
    "SEND_MESSAGE_IMMEDIATELY": True,
    "MESSAGE_ACTION_KEY": "action",
    "CAMELIZE": False,
    "LOG_RECEIVED_MESSAGE": False,
    "LOG_SENT_MESSAGE": False,
}

# channels-replay's defaults already match chanx's action names.
CHANNELS_REPLAY: dict[str, object] = {}

# chanx logs through structlog, which prints to stdout by default: keep stdout for the
# replay command's report (--json) and only show warnings, on stderr.
structlog.configure(
    wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
    logger_factory=structlog.PrintLoggerFactory(sys.stderr),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"channels_replay": {"handlers": ["console"], "level": "INFO"}},
}
