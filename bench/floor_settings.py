"""Settings for ``bench/case_intake.py --floor``: the site's own, plus one bench-only URL
(bench/floor_urls.py). Never used by the site or the tests."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
