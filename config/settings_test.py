"""Settings for the test suite: the production module, in demo mode (demo keys allowed)."""

import os

os.environ.setdefault("SHEQU_DEMO", "1")

from config.settings import *  # noqa: F403

# Background tasks run at once in tests; the worker's own behaviour has its own tests.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default"],
    }
}
