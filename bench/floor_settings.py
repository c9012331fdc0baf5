"""The project's settings plus bench/floor_urls.py (bench/intake.py only)."""

from dispatch_center.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
