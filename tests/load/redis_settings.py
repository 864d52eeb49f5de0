"""The example project on channels_redis: a channel layer shared by server processes.

`REDIS_URL` says where the Redis server is (the test setup starts one).
"""

import os

from example.settings import *  # noqa: F403

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")]},
    }
}
