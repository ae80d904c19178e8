"""Geometry: where each street, district and the city lie, their outlines, and the jittered
lattice whose blocks, cut by guillotine splits, are the communities, grids and subgrids."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from typing import Any

from shequ.demo.codes import (
    _CAPACITY_FIRST,
    _CAPACITY_OTHER,
    DemoSeedError,
    _streets_in_district,
    street_slot,
)

# --- geometry constants (degrees) ---------------------------------------------------------
ORIGIN_LON, ORIGIN_LAT = 102.80, 24.86
STREET_W, STREET_H = 0.10, 0.06
PITCH_LON, PITCH_LAT = 0.11, 0.07  # street spacing: a gap of 0.01° between street boxes
DISTRICT_MARGIN, DISTRICT_GAP, CITY_MARGIN = 0.06, 0.02, 0.25
NX, NY = 16, 12  # lattice cells per street
CELL_ASPECT = (STREET_W / NX) * math.cos(math.radians(ORIGIN_LAT)) / (STREET_H / NY)
CORNER_JITTER, EDGE_JITTER = 0.2, 0.1  # fractions of the neighbouring cell size
DIGITS = 6  # ~0.1 m

Geometry = dict[str, Any]
Block = tuple[int, int, int, int]  # first column, end column, first row, end row (half-open)

# --- layout: where each street, district and the city lie ----------------------------------


def _shell(position: int) -> tuple[int, int]:
    """(column, row) of ``position`` when squares grow outward from a corner: positions
    k² … (k+1)²-1 add column k (rows 0…k), then row k (columns 0…k-1). Any count of places
    fills a near-square, and a place never moves when more are added."""
    k = math.isqrt(position)
    rest = position - k * k
    return (k, rest) if rest <= k else (rest - k - 1, k)


def _shell_extent(count: int) -> tuple[int, int]:
    """Columns and rows taken by the first ``count`` places of ``_shell``."""
    k = math.isqrt(count - 1)
    rest = count - 1 - k * k
    return k + 1, max(k, min(rest, k) + 1)


_FULL_DISTRICT = _shell_extent(max(_CAPACITY_FIRST, _CAPACITY_OTHER))
DISTRICT_PITCH_LON = (
    (_FULL_DISTRICT[0] - 1) * PITCH_LON + STREET_W + 2 * DISTRICT_MARGIN + DISTRICT_GAP
)
DISTRICT_PITCH_LAT = (
    (_FULL_DISTRICT[1] - 1) * PITCH_LAT + STREET_H + 2 * DISTRICT_MARGIN + DISTRICT_GAP
)


def _district_origin(district: int) -> tuple[float, float]:
    column, row = _shell(district)
    return ORIGIN_LON + column * DISTRICT_PITCH_LON, ORIGIN_LAT + row * DISTRICT_PITCH_LAT


def _street_origin(index: int) -> tuple[float, float]:
    district, position = street_slot(index)
    lon, lat = _district_origin(district)
    column, row = _shell(position)
    return lon + column * PITCH_LON, lat + row * PITCH_LAT


def _district_box(district: int, scale: int) -> tuple[float, float, float, float]:
    columns, rows = _shell_extent(max(1, _streets_in_district(district, scale)))
    lon, lat = _district_origin(district)
    return (
        lon - DISTRICT_MARGIN,
        lat - DISTRICT_MARGIN,
        lon + (columns - 1) * PITCH_LON + STREET_W + DISTRICT_MARGIN,
        lat + (rows - 1) * PITCH_LAT + STREET_H + DISTRICT_MARGIN,
    )


def _city_box(scale: int) -> tuple[float, float, float, float]:
    last = street_slot(scale - 1)[0]
    boxes = [_district_box(d, scale) for d in range(last + 1)]
    return (
        min(b[0] for b in boxes) - CITY_MARGIN,
        min(b[1] for b in boxes) - CITY_MARGIN,
        max(b[2] for b in boxes) + CITY_MARGIN,
        max(b[3] for b in boxes) + CITY_MARGIN,
    )


def _octagon(box: tuple[float, float, float, float], cut: float) -> Geometry:
    """A rectangle with its corners cut: a "rectangle-ish" outline enclosing the box's inside."""
    w, s, e, n = box
    corners = [
        (w + cut, s),
        (e - cut, s),
        (e, s + cut),
        (e, n - cut),
        (e - cut, n),
        (w + cut, n),
        (w, n - cut),
        (w, s + cut),
    ]
    ring = [[round(x, DIGITS), round(y, DIGITS)] for x, y in corners]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


# --- the street lattice -------------------------------------------------------------------


def _axis(rng: random.Random, start: float, length: float, cells: int) -> list[float]:
    weights = [rng.uniform(0.8, 1.2) for _ in range(cells)]
    total = sum(weights)
    positions = [start]
    for weight in weights[:-1]:
        positions.append(positions[-1] + length * weight / total)
    positions.append(start + length)
    return positions


def _local(sizes: Sequence[float], line: int) -> float:
    """The smaller of the two cells on either side of lattice line ``line``."""
    return min(sizes[max(line - 1, 0)], sizes[min(line, len(sizes) - 1)])


class Lattice:
    """A jittered lattice over a street's box. Lattice points and edge midpoints are stored
    once, so every polygon traced along the lattice shares its neighbours' vertices exactly."""

    def __init__(self, rng: random.Random, lon0: float, lat0: float) -> None:
        xs, ys = _axis(rng, lon0, STREET_W, NX), _axis(rng, lat0, STREET_H, NY)
        widths = [b - a for a, b in itertools.pairwise(xs)]
        heights = [b - a for a, b in itertools.pairwise(ys)]
        self.points = [
            [
                (
                    round(xs[i] + rng.uniform(-1, 1) * CORNER_JITTER * _local(widths, i), DIGITS),
                    round(ys[j] + rng.uniform(-1, 1) * CORNER_JITTER * _local(heights, j), DIGITS),
                )
                for j in range(NY + 1)
            ]
            for i in range(NX + 1)
        ]
        p = self.points
        # Midpoint of the edge (i, j)–(i+1, j), moved up or down; of (i, j)–(i, j+1), sideways.
        self.h_mid = [
            [
                (
                    round((p[i][j][0] + p[i + 1][j][0]) / 2, DIGITS),
                    round(
                        (p[i][j][1] + p[i + 1][j][1]) / 2
                        + rng.uniform(-1, 1) * EDGE_JITTER * _local(heights, j),
                        DIGITS,
                    ),
                )
                for j in range(NY + 1)
            ]
            for i in range(NX)
        ]
        self.v_mid = [
            [
                (
                    round(
                        (p[i][j][0] + p[i][j + 1][0]) / 2
                        + rng.uniform(-1, 1) * EDGE_JITTER * _local(widths, i),
                        DIGITS,
                    ),
                    round((p[i][j][1] + p[i][j + 1][1]) / 2, DIGITS),
                )
                for j in range(NY)
            ]
            for i in range(NX + 1)
        ]

    def polygon(self, block: Block) -> Geometry:
        """The block's outline, counter-clockwise (RFC 7946), through every lattice point and
        edge midpoint on its boundary."""
        c0, c1, r0, r1 = block
        p, h, v = self.points, self.h_mid, self.v_mid
        ring: list[tuple[float, float]] = []
        for i in range(c0, c1):  # bottom, west to east
            ring += [p[i][r0], h[i][r0]]
        for j in range(r0, r1):  # east side, south to north
            ring += [p[c1][j], v[c1][j]]
        for i in range(c1, c0, -1):  # top, east to west
            ring += [p[i][r1], h[i - 1][r1]]
        for j in range(r1, r0, -1):  # west side, north to south
            ring += [p[c0][j], v[c0][j - 1]]
        ring.append(p[c0][r0])
        return {"type": "Polygon", "coordinates": [[[x, y] for x, y in ring]]}


def _cells(block: Block) -> int:
    return (block[1] - block[0]) * (block[3] - block[2])


def split_block(block: Block, weights: Sequence[int], rng: random.Random) -> list[Block]:
    """Cut ``block`` into ``len(weights)`` rectangular blocks by guillotine cuts, each about
    proportional to its weight and holding at least ``weight`` cells (so it can be cut into
    that many again). Cuts go across the longer side first."""
    if len(weights) == 1:
        return [block]
    half = (len(weights) + 1) // 2
    first, second = weights[:half], weights[half:]
    c0, c1, r0, r1 = block
    columns, rows = c1 - c0, r1 - r0
    wobble = rng.uniform(-0.6, 0.6)
    across_columns = columns * CELL_ASPECT >= rows
    for slack in (2, 1):
        for vertical in (across_columns, not across_columns):
            size, other = (columns, rows) if vertical else (rows, columns)
            ideal = size * sum(first) / sum(weights) + wobble
            for cut in sorted(range(1, size), key=lambda t: (abs(t - ideal), t)):
                if cut * other >= slack * sum(first) and (size - cut) * other >= slack * sum(
                    second
                ):
                    if vertical:
                        a, b = (c0, c0 + cut, r0, r1), (c0 + cut, c1, r0, r1)
                    else:
                        a, b = (c0, c1, r0, r0 + cut), (c0, c1, r0 + cut, r1)
                    return split_block(a, first, rng) + split_block(b, second, rng)
    msg = f"cannot cut block {block} into parts of {list(weights)} cells"
    raise DemoSeedError(msg)
