"""Search by one or two characters (decision 0009): a name is stored as its single characters
and its overlapping pairs, so that "张伟" finds 张伟东 with one index lookup."""

from __future__ import annotations

import itertools


def grams(text: str) -> set[str]:
    chars = list("".join(text.split()).lower())
    found = set(chars)
    found.update(a + b for a, b in itertools.pairwise(chars))
    return found


def query_grams(query: str) -> set[str]:
    """The grams a name must contain to match ``query``: its pairs, or the one character."""
    chars = list("".join(query.split()).lower())
    if len(chars) <= 1:
        return set(chars)
    return {a + b for a, b in itertools.pairwise(chars)}
