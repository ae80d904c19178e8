from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _messages_in_english() -> Iterator[None]:
    """These tests read the messages' English source text; the Chinese is tested on its own."""
    with translation.override("en"):
        yield
