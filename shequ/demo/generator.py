"""A deterministic, streaming demo generator: a fictional street of Kunming's Chenggong
district with its communities, grids and subgrids, departments, organizations, grid staff
in "1+9+X" and one demo login per role.

What it makes (``generate(scale=1, seed=2026)``)
    昆明市 (530100) → 呈贡区 (530114) → 龙湖街道 (530114090, fictional) → 4 communities
    (龙湖社区, 七彩社区, 春融社区, 兴和社区) → 3–4 grids each → 6–10 subgrids per community.
    The street has seven departments (城管, 派出所, 消防, 住建, 市场监管, 司法, 卫健), the
    district two (区城管局, 区住建局). Organizations follow the work chain 街道党工委 →
    社区党委 → 网格党支部, plus per community a property company, partner units, a social
    organization and merchants. Every grid is staffed "1+9+X": a chief, the nine specialist
    posts (``NINE_SPECIALISTS``, role grid_worker, the post in ``grid_duty``) and 1–3 others;
    every subgrid has a building head.

Determinism
    Everything follows from ``seed``: the same seed gives the same codes, names, boundaries,
    usernames and memberships, byte for byte (only timestamps, primary keys and password
    hashes differ). Each street draws from its own random streams keyed by (seed, street
    index, purpose), so street 7 is the same whether 8 or 800 streets are generated; only
    the enclosing district and city rectangles grow with ``scale``.

Geometry
    Each street is a jittered lattice of 16 × 12 cells (~630 m × 555 m), each lattice edge
    with a jittered midpoint. Communities, grids and subgrids are rectangular blocks of
    cells cut by guillotine splits, and every polygon is traced along the lattice, so
    neighbours share exactly the same vertices: children tile their parent with no gaps or
    overlaps. District and city are octagons enclosing their streets.

Streaming to city scale
    ``scale=N`` makes N streets (codes 530114090, 530114091 … 530114999, then on into the
    fictional districts 530190 … 530199 with street codes from 001). Plans are produced one
    street at a time and people as a generator; rows are written with ``bulk_create`` in
    batches, one ``transaction.atomic()`` per street, so memory stays flat. Only the twelve
    demo logins get a real (slow, argon2) password hash; every other account has an
    unusable password. The rows carry every field the services would set (area paths,
    bounding boxes, label points), and one AuditRecord ("demo.seed") sums up the run.

Idempotent
    A street whose code already exists (current) is skipped, so a second run adds nothing,
    and a larger ``scale`` later adds only the missing streets.

"Hongkang size" and the register
    The first community of every street is the large one, the size of Hongkang community:
    ~9,700 households and ~20,500 residents (3 grids, 6 subgrids on the demo street, as in
    the seed article); the others have 1,500–3,000 households at ~2.1 residents each. The
    population register does not exist yet: ``CommunityPlan.households`` and ``.residents``
    are the targets it will fill (they are printed by ``demo_seed``), and no register rows
    are written here. A register generator should draw from its own stream
    (``_rng(seed, index, "register")``) so that adding it changes nothing above.

Demo logins (``DEMO_LOGINS``; password ``Shequ-demo-2026`` for all, on the demo street)
    admin         administrator       呈贡区
    security      security_admin      呈贡区
    auditor       auditor             呈贡区
    dispatcher    street_dispatcher   龙湖街道
    community     community_staff     龙湖社区 (also secretary of 龙湖社区党委)
    gridchief     grid_chief          龙湖社区 第一网格, post chief (also 党支部 secretary)
    gridworker    grid_worker         龙湖社区 第一网格, post community_worker
    gridworker2   grid_worker         龙湖社区 第二网格, post community_worker
    department    department_handler  城管执法中队 of 龙湖街道
    mediator      mediator            龙湖社区
    buildinghead  building_head       龙湖社区 第一网格, post other
    resident      resident            龙湖社区
Other accounts are named s<street>-n, d<street>-<dept>-n, c<community>-n, g<grid>-n,
g<subgrid>-1 and a<district>-1 / d<district>-<dept>-1, and cannot log in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import Membership, User
from shequ.accounts.roles import NINE_SPECIALISTS, GridDuty, Role
from shequ.areas.codes import code_problem
from shequ.areas.geo import validate_boundary
from shequ.areas.models import Area, Department, Level, Organization, OrganizationKind
from shequ.areas.services import _apply_geometry
from shequ.core.actors import SYSTEM
from shequ.core.audit import AuditAction, audit
from shequ.core.paths import child_path

DEFAULT_SEED: Final = 2026
DEMO_PASSWORD: Final = "Shequ-demo-2026"  # noqa: S105 - documented demo password
BATCH_SIZE: Final = 1000
# Demo rows begin on a fixed day, so that two runs give the same rows.
DEMO_START: Final = dt.date(2025, 1, 1)

CITY_CODE, CITY_NAME = "530100", "昆明市"
# The real Chenggong district, then fictional districts for city-scale runs.
DISTRICTS: Final[tuple[tuple[str, str], ...]] = (
    ("530114", "呈贡区"),
    ("530190", "滇池新区"),
    ("530191", "金马新区"),
    ("530192", "碧鸡新区"),
    ("530193", "松华新区"),
    ("530194", "宝象新区"),
    ("530195", "梁王新区"),
    ("530196", "白沙新区"),
    ("530197", "海源新区"),
    ("530198", "果林新区"),
    ("530199", "云岭新区"),
)
FIRST_STREET_NO: Final = 90  # 530114090: far above Chenggong's real township codes
FIRST_STREET_NAME: Final = "龙湖街道"
FIRST_COMMUNITIES: Final = ("龙湖社区", "七彩社区", "春融社区", "兴和社区")
_CAPACITY_FIRST = 1000 - FIRST_STREET_NO
_CAPACITY_OTHER = 999
MAX_SCALE: Final = _CAPACITY_FIRST + _CAPACITY_OTHER * (len(DISTRICTS) - 1)

STREET_DEPARTMENTS: Final = (
    ("城管执法中队", "城管"),
    ("派出所", "派出所"),
    ("消防救援站", "消防"),
    ("住建办", "住建"),
    ("市场监管所", "市场监管"),
    ("司法所", "司法"),
    ("卫生院", "卫健"),
)
DISTRICT_DEPARTMENTS: Final = (("区城管局", "区城管"), ("区住建局", "区住建"))

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

# --- names --------------------------------------------------------------------------------
SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀兰霞平刚桂英华玉萍红娟建国文辉鹏飞云凤波宁志斌宇浩凯俊峰欣怡晨雪"
    "梅琳婷颖佳涵轩博睿思雨欢亮成林海燕春秋德福安康正荣永兴家和美慧"
)
_SURNAME_WEIGHTS: Final = tuple(1 / (rank + 8) for rank in range(len(SURNAMES)))
STREET_WORDS: Final = (
    "云溪",
    "彩云",
    "滇源",
    "金鼎",
    "锦绣",
    "碧波",
    "松茂",
    "玉泉",
    "白龙",
    "星湖",
    "映山",
    "春城",
    "翠谷",
    "明珠",
    "万溪",
    "宝珠",
    "嘉丽",
    "清风",
    "惠民",
    "长乐",
)
COMMUNITY_WORDS: Final = (
    "锦华",
    "金桂",
    "云润",
    "玉兰",
    "翠湖",
    "景明",
    "和平",
    "安康",
    "福园",
    "泰和",
    "瑞丰",
    "新城",
    "花溪",
    "银杏",
    "梨园",
    "映月",
    "长虹",
    "清泉",
    "晨曦",
    "东篱",
    "紫云",
    "青松",
    "丰收",
    "康乐",
    "祥和",
    "怡景",
    "润城",
    "南苑",
    "北苑",
    "雅苑",
)
STREET_SUFFIXES: Final = ("", "东", "西", "南", "北", "新城", "湖滨", "山前", "河畔", "园区")
ORDINALS: Final = "一二三四五六七八九十"
PROPERTY_WORDS: Final = ("春城", "滇池", "彩云", "金碧", "俊发", "恒安", "安居", "祥瑞")
PARTNER_UNITS: Final = (
    "{c}小学",
    "{c}幼儿园",
    "区人民医院{c}分院",
    "滇中银行{c}支行",
    "区图书馆{c}分馆",
    "国网{c}供电服务站",
)
SOCIAL_ORGANIZATIONS: Final = ("{c}志愿者协会", "{c}老年协会", "{c}文体协会", "{c}邻里互助会")
MERCHANTS: Final = (
    "{c}便民超市",
    "{c}农贸市场",
    "{c}小吃店",
    "{c}大药房",
    "{c}理发店",
    "{c}快递驿站",
    "{c}五金店",
)
SPECIALIST_TITLES: Final[dict[str, str]] = {
    GridDuty.PARTY_GUIDE: "党建指导员",
    GridDuty.COMMUNITY_WORKER: "专职网格员",
    GridDuty.PATROL_OFFICER: "巡防队员",
    GridDuty.POLICE_OFFICER: "社区民警",
    GridDuty.CITY_INSPECTOR: "城管队员",
    GridDuty.FIRE_WARDEN: "消防网格员",
    GridDuty.MARKET_INSPECTOR: "市场监管员",
    GridDuty.LEGAL_ADVISER: "法律顾问",
    GridDuty.FAMILY_DOCTOR: "家庭医生",
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    where: str  # in words; the exact area is in the table ``demo_seed`` prints


DEMO_LOGINS: Final = (
    DemoLogin("admin", "赵建国", Role.ADMINISTRATOR, "district 呈贡区"),
    DemoLogin("security", "钱安宁", Role.SECURITY_ADMIN, "district 呈贡区"),
    DemoLogin("auditor", "孙明德", Role.AUDITOR, "district 呈贡区"),
    DemoLogin("dispatcher", "李晓雯", Role.STREET_DISPATCHER, "street 龙湖街道"),
    DemoLogin("community", "周丽华", Role.COMMUNITY_STAFF, "community 龙湖社区"),
    DemoLogin("gridchief", "吴志刚", Role.GRID_CHIEF, "龙湖社区 第一网格 (chief)"),
    DemoLogin("gridworker", "郑雪梅", Role.GRID_WORKER, "龙湖社区 第一网格 (community worker)"),
    DemoLogin("gridworker2", "王海燕", Role.GRID_WORKER, "龙湖社区 第二网格 (community worker)"),
    DemoLogin(
        "department", "冯德福", Role.DEPARTMENT_HANDLER, "department 城管执法中队 of 龙湖街道"
    ),
    DemoLogin("mediator", "陈秀兰", Role.MEDIATOR, "community 龙湖社区"),
    DemoLogin("buildinghead", "褚永兴", Role.BUILDING_HEAD, "龙湖社区 第一网格 (other)"),
    DemoLogin("resident", "卫欣怡", Role.RESIDENT, "community 龙湖社区"),
)
_DEMO: Final = {login.username: login for login in DEMO_LOGINS}
DEMO_USERNAMES: Final = tuple(_DEMO)


class DemoSeedError(Exception):
    """The demo cannot be seeded as planned (a username is taken, a plan is inconsistent)."""


# --- plans: pure Python, no database --------------------------------------------------------


@dataclass(frozen=True)
class AreaPlan:
    level: int
    code: str
    name: str
    parent_code: str | None
    boundary: Geometry


@dataclass(frozen=True)
class GridPlan:
    area: AreaPlan
    subgrids: tuple[AreaPlan, ...]
    branches: int  # party branches of this grid (1–2)


@dataclass(frozen=True)
class CommunityPlan:
    """One community and the size of the register it will get (households and residents are
    targets: no register rows are generated yet)."""

    area: AreaPlan
    grids: tuple[GridPlan, ...]
    households: int
    residents: int
    large: bool

    @property
    def code(self) -> str:
        return self.area.code

    @property
    def name(self) -> str:
        return self.area.name

    @property
    def subgrid_count(self) -> int:
        return sum(len(grid.subgrids) for grid in self.grids)


@dataclass(frozen=True)
class DepartmentPlan:
    area_code: str
    name: str
    short_name: str
    phone: str

    @property
    def key(self) -> str:
        return f"{self.area_code}:{self.name}"


@dataclass(frozen=True)
class OrganizationPlan:
    key: str
    area_code: str
    kind: str
    name: str
    parent_key: str | None
    contact: str


BindingKind = Literal["area", "department", "organization"]


@dataclass(frozen=True)
class MembershipPlan:
    role: Role
    kind: BindingKind
    key: str  # an area code, a DepartmentPlan.key or an OrganizationPlan.key
    grid_duty: str = ""
    title: str = ""


@dataclass(frozen=True)
class PersonPlan:
    username: str
    full_name: str
    memberships: tuple[MembershipPlan, ...]

    @property
    def is_demo_login(self) -> bool:
        return self.username in _DEMO


@dataclass(frozen=True)
class DistrictPlan:
    index: int
    area: AreaPlan
    departments: tuple[DepartmentPlan, ...]
    people: tuple[PersonPlan, ...]


@dataclass(frozen=True)
class StreetPlan:
    """One street: its areas, departments and organizations are held (a few dozen objects);
    its people are generated on demand by ``iter_people``."""

    seed: int
    index: int
    city: AreaPlan
    district: DistrictPlan
    first_in_district: bool
    area: AreaPlan
    communities: tuple[CommunityPlan, ...]
    departments: tuple[DepartmentPlan, ...]
    organizations: tuple[OrganizationPlan, ...]

    @property
    def code(self) -> str:
        return self.area.code

    @property
    def name(self) -> str:
        return self.area.name

    def iter_areas(self) -> Iterator[AreaPlan]:
        """The street and everything under it, parents before children."""
        yield self.area
        yield from (c.area for c in self.communities)
        yield from (g.area for c in self.communities for g in c.grids)
        yield from (s for c in self.communities for g in c.grids for s in g.subgrids)

    def iter_people(self) -> Iterator[PersonPlan]:
        return _street_people(self)


def _rng(seed: int, scope: int | str, purpose: str) -> random.Random:
    # String seeds are hashed with SHA-512: stable across runs, platforms and PYTHONHASHSEED.
    return random.Random(f"shequ-demo/{seed}/{scope}/{purpose}")


class NameGenerator:
    """Plausible Chinese full names: a common surname (more common ones more often) and one or
    two given-name characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def full_name(self) -> str:
        surname = self.rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        size = 1 if self.rng.random() < 0.3 else 2
        return surname + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(size))


# --- layout: where each street, district and the city lie ----------------------------------


def _district_capacity(district: int) -> int:
    return _CAPACITY_FIRST if district == 0 else _CAPACITY_OTHER


def street_slot(index: int) -> tuple[int, int]:
    """(district index, position in the district) of the street with this index."""
    if not 0 <= index < MAX_SCALE:
        msg = f"street index {index} is outside 0…{MAX_SCALE - 1}"
        raise ValueError(msg)
    if index < _CAPACITY_FIRST:
        return 0, index
    rest = index - _CAPACITY_FIRST
    return 1 + rest // _CAPACITY_OTHER, rest % _CAPACITY_OTHER


def street_code(index: int) -> str:
    district, position = street_slot(index)
    number = FIRST_STREET_NO + position if district == 0 else position + 1
    return f"{DISTRICTS[district][0]}{number:03d}"


def _streets_in_district(district: int, scale: int) -> int:
    before = sum(_district_capacity(d) for d in range(district))
    return max(0, min(_district_capacity(district), scale - before))


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


# --- planning -------------------------------------------------------------------------------


def plan_city(scale: int) -> AreaPlan:
    return AreaPlan(Level.CITY, CITY_CODE, CITY_NAME, None, _octagon(_city_box(scale), 0.1))


def plan_district(district: int, *, seed: int = DEFAULT_SEED, scale: int = 1) -> DistrictPlan:
    code, name = DISTRICTS[district]
    area = AreaPlan(
        Level.DISTRICT, code, name, CITY_CODE, _octagon(_district_box(district, scale), 0.03)
    )
    departments = tuple(
        DepartmentPlan(code, dept, short, f"0871-6{district:03d}{n + 1:04d}")
        for n, (dept, short) in enumerate(DISTRICT_DEPARTMENTS)
    )
    names = NameGenerator(_rng(seed, f"district-{code}", "people"))
    people: list[PersonPlan] = []
    if district == 0:
        for username in ("admin", "security", "auditor"):
            login = _DEMO[username]
            people.append(
                PersonPlan(username, login.full_name, (MembershipPlan(login.role, "area", code),))
            )
    else:
        people.append(
            PersonPlan(
                f"a{code}-1", names.full_name(), (MembershipPlan(Role.ADMINISTRATOR, "area", code),)
            )
        )
    for n, dept in enumerate(departments, start=1):
        member = MembershipPlan(Role.DEPARTMENT_HANDLER, "department", dept.key, title="业务科员")
        people.append(PersonPlan(f"d{code}-{n}-1", names.full_name(), (member,)))
    return DistrictPlan(district, area, departments, tuple(people))


def _street_name(index: int) -> str:
    """龙湖街道, then 云溪街道 … 长乐街道, 云溪东街道 …; names repeat after 200 streets (codes
    never do)."""
    if index == 0:
        return FIRST_STREET_NAME
    word = STREET_WORDS[(index - 1) % len(STREET_WORDS)]
    suffix = STREET_SUFFIXES[(index - 1) // len(STREET_WORDS) % len(STREET_SUFFIXES)]
    return f"{word}{suffix}街道"


def _grid_shape(rng: random.Random) -> list[int]:
    """Subgrids per grid: 3–4 grids, 6–10 subgrids in all, 2–3 per grid."""
    grids = rng.choice((3, 4))
    total = rng.randint(2 * grids, min(10, 3 * grids))
    counts = [2] * grids
    for i in rng.sample(range(grids), total - 2 * grids):
        counts[i] += 1
    return counts


def plan_street(index: int, *, seed: int = DEFAULT_SEED, scale: int | None = None) -> StreetPlan:
    """The plan of street ``index`` (0 is 龙湖街道). ``scale`` only sizes the district and city
    outlines; the street itself does not depend on it."""
    scale = max(scale or index + 1, index + 1)
    district, position = street_slot(index)
    geo, sizes, words, orgs = (
        _rng(seed, index, purpose) for purpose in ("geo", "sizes", "names", "orgs")
    )
    lattice = Lattice(geo, *_street_origin(index))
    code = street_code(index)
    street = AreaPlan(
        Level.STREET,
        code,
        _street_name(index),
        DISTRICTS[district][0],
        lattice.polygon((0, NX, 0, NY)),
    )
    names = (
        FIRST_COMMUNITIES
        if index == 0
        else tuple(f"{w}社区" for w in words.sample(COMMUNITY_WORDS, 4))
    )
    cut_x, cut_y = geo.randint(8, 10), geo.randint(4, 6)
    blocks = [
        (0, cut_x, cut_y, NY),
        (cut_x, NX, cut_y, NY),
        (0, cut_x, 0, cut_y),
        (cut_x, NX, 0, cut_y),
    ]
    communities: list[CommunityPlan] = []
    for ci, (name, block) in enumerate(zip(names, blocks, strict=True)):
        community_code = f"{code}{ci + 1:03d}"
        large = ci == 0
        if index == 0 and ci == 0:
            shape = [2, 2, 2]  # Hongkang: 3 level-4 and 6 level-5 grids
        elif index == 0 and ci == 1:
            shape = [3, 3, 2, 2]  # Liuhe: 4 and 10
        else:
            shape = _grid_shape(geo)
        grids: list[GridPlan] = []
        for gi, (count, grid_block) in enumerate(
            zip(shape, split_block(block, shape, geo), strict=True)
        ):
            grid_code = f"{community_code}{gi + 1:03d}"
            subgrids = tuple(
                AreaPlan(
                    Level.SUBGRID,
                    f"{grid_code}{si + 1:02d}",
                    f"{ORDINALS[si]}号片区",
                    grid_code,
                    lattice.polygon(b),
                )
                for si, b in enumerate(split_block(grid_block, [1] * count, geo))
            )
            grid = AreaPlan(
                Level.GRID,
                grid_code,
                f"第{ORDINALS[gi]}网格",
                community_code,
                lattice.polygon(grid_block),
            )
            grids.append(GridPlan(grid, subgrids, branches=orgs.choice((1, 1, 2))))
        if large and index == 0:
            households, residents = 9_700, 20_500  # Hongkang
        elif large:
            households = sizes.randint(9_400, 10_000)
            residents = round(households * sizes.uniform(2.05, 2.15))
        else:
            households = sizes.randint(1_500, 3_000)
            residents = round(households * sizes.uniform(2.0, 2.2))
        area = AreaPlan(Level.COMMUNITY, community_code, name, code, lattice.polygon(block))
        communities.append(CommunityPlan(area, tuple(grids), households, residents, large))
    departments = tuple(
        DepartmentPlan(code, name, short, f"0871-6{position % 1000:03d}{n + 1:04d}")
        for n, (name, short) in enumerate(STREET_DEPARTMENTS)
    )
    return StreetPlan(
        seed=seed,
        index=index,
        city=plan_city(scale),
        district=plan_district(district, seed=seed, scale=scale),
        first_in_district=position == 0,
        area=street,
        communities=tuple(communities),
        departments=departments,
        organizations=tuple(_organizations(street, communities, orgs)),
    )


def _organizations(
    street: AreaPlan, communities: Sequence[CommunityPlan], rng: random.Random
) -> Iterator[OrganizationPlan]:
    names = NameGenerator(rng)

    def contact() -> str:
        return f"{names.full_name()} 13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"

    street_party = f"party:{street.code}"
    yield OrganizationPlan(
        street_party,
        street.code,
        OrganizationKind.PARTY_COMMITTEE,
        f"{street.name}党工委",
        None,
        contact(),
    )
    for community in communities:
        c, short = community.code, community.name.removesuffix("社区")
        party = f"party:{c}"
        yield OrganizationPlan(
            party,
            c,
            OrganizationKind.PARTY_COMMITTEE,
            f"{community.name}党委",
            street_party,
            contact(),
        )
        for grid in community.grids:
            for n in range(1, grid.branches + 1):
                suffix = "党支部" if grid.branches == 1 else f"第{ORDINALS[n - 1]}党支部"
                yield OrganizationPlan(
                    f"branch:{grid.area.code}:{n}",
                    grid.area.code,
                    OrganizationKind.PARTY_BRANCH,
                    f"{community.name}{grid.area.name}{suffix}",
                    party,
                    contact(),
                )
        yield OrganizationPlan(
            f"property:{c}",
            c,
            OrganizationKind.PROPERTY_COMPANY,
            f"云南{rng.choice(PROPERTY_WORDS)}物业服务有限公司{short}项目部",
            None,
            contact(),
        )
        for n, pattern in enumerate(rng.sample(PARTNER_UNITS, rng.randint(1, 2)), start=1):
            yield OrganizationPlan(
                f"partner:{c}:{n}",
                c,
                OrganizationKind.PARTNER_UNIT,
                pattern.format(c=short),
                None,
                contact(),
            )
        yield OrganizationPlan(
            f"social:{c}",
            c,
            OrganizationKind.SOCIAL_ORGANIZATION,
            rng.choice(SOCIAL_ORGANIZATIONS).format(c=short),
            None,
            contact(),
        )
        for n, pattern in enumerate(rng.sample(MERCHANTS, 2), start=1):
            yield OrganizationPlan(
                f"merchant:{c}:{n}",
                c,
                OrganizationKind.MERCHANT,
                pattern.format(c=short),
                None,
                contact(),
            )


def _street_people(plan: StreetPlan) -> Iterator[PersonPlan]:
    """Everyone bound to the street and below, in a fixed order. On the demo street the demo
    logins take the first posts of their kind instead of generated staff."""
    names = NameGenerator(_rng(plan.seed, plan.index, "people"))
    demo = plan.index == 0

    def person(username: str, *memberships: MembershipPlan) -> PersonPlan:
        login = _DEMO.get(username)
        return PersonPlan(username, login.full_name if login else names.full_name(), memberships)

    def pick(generated: str, demo_username: str, when: bool) -> str:
        return demo_username if demo and when else generated

    s = plan.code
    yield person(
        pick(f"s{s}-1", "dispatcher", True),
        MembershipPlan(Role.STREET_DISPATCHER, "area", s, title="指挥中心值班员"),
    )
    yield person(
        f"s{s}-2", MembershipPlan(Role.STREET_DISPATCHER, "area", s, title="指挥中心值班员")
    )
    yield person(
        f"s{s}-3", MembershipPlan(Role.MEDIATOR, "area", s, title="街道人民调解委员会调解员")
    )
    for d, dept in enumerate(plan.departments, start=1):
        for n in (1, 2):
            username = pick(f"d{s}-{d}-{n}", "department", d == 1 and n == 1)
            yield person(
                username,
                MembershipPlan(
                    Role.DEPARTMENT_HANDLER,
                    "department",
                    dept.key,
                    title=f"{dept.short_name}联络员",
                ),
            )
    for ci, community in enumerate(plan.communities):
        c, first = community.code, ci == 0
        for n in range(1, names.rng.randint(3, 5) + 1):
            roles = [
                MembershipPlan(
                    Role.COMMUNITY_STAFF, "area", c, title="社区书记" if n == 1 else "社区工作者"
                )
            ]
            if n == 1:  # the community secretary also leads the community party committee
                roles.append(
                    MembershipPlan(
                        Role.COMMUNITY_STAFF, "organization", f"party:{c}", title="党委书记"
                    )
                )
            yield person(pick(f"c{c}-{n}", "community", first and n == 1), *roles)
        yield person(
            pick(f"c{c}-m1", "mediator", first),
            MembershipPlan(Role.MEDIATOR, "area", c, title="人民调解员"),
        )
        for n in (1, 2, 3):
            yield person(
                pick(f"c{c}-r{n}", "resident", first and n == 1),
                MembershipPlan(Role.RESIDENT, "area", c),
            )
        for gi, grid in enumerate(community.grids):
            yield from _grid_people(
                grid, person, pick, first_community=first, grid_index=gi, rng=names.rng
            )


def _grid_people(
    grid: GridPlan,
    person: Callable[..., PersonPlan],
    pick: Callable[[str, str, bool], str],
    *,
    first_community: bool,
    grid_index: int,
    rng: random.Random,
) -> Iterator[PersonPlan]:
    """ "1+9+X": a chief (who also leads the grid's first party branch), the nine specialist
    posts and 1–3 others; and a building head for each subgrid."""
    g = grid.area.code
    first_grid = first_community and grid_index == 0
    yield person(
        pick(f"g{g}-1", "gridchief", first_grid),
        MembershipPlan(Role.GRID_CHIEF, "area", g, GridDuty.CHIEF, "网格长"),
        MembershipPlan(Role.GRID_CHIEF, "organization", f"branch:{g}:1", title="支部书记"),
    )
    n = 1
    for duty in NINE_SPECIALISTS:
        n += 1
        is_worker = duty == GridDuty.COMMUNITY_WORKER
        username = pick(f"g{g}-{n}", "gridworker", first_grid and is_worker)
        username = pick(username, "gridworker2", first_community and grid_index == 1 and is_worker)
        yield person(
            username,
            MembershipPlan(Role.GRID_WORKER, "area", g, duty, SPECIALIST_TITLES.get(duty, "")),
        )
    for x in range(rng.randint(1, 3)):
        n += 1
        demo_head = first_grid and x == 0
        role = Role.BUILDING_HEAD if demo_head or rng.random() < 0.5 else Role.GRID_WORKER
        title = "楼栋长" if role == Role.BUILDING_HEAD else "网格协管员"
        yield person(
            pick(f"g{g}-{n}", "buildinghead", demo_head),
            MembershipPlan(role, "area", g, GridDuty.OTHER, title),
        )
    for subgrid in grid.subgrids:
        yield person(
            f"g{subgrid.code}-1",
            MembershipPlan(Role.BUILDING_HEAD, "area", subgrid.code, GridDuty.OTHER, "党员楼栋长"),
        )


def iter_street_plans(scale: int = 1, seed: int = DEFAULT_SEED) -> Iterator[StreetPlan]:
    for index in range(scale):
        yield plan_street(index, seed=seed, scale=scale)


def plan_digest(plan: StreetPlan) -> str:
    """A fingerprint of everything a street plan holds, its people included."""
    text = json.dumps(
        {
            "city": plan.city,
            "district": plan.district,
            "street": plan.area,
            "communities": plan.communities,
            "departments": plan.departments,
            "organizations": plan.organizations,
            "people": list(plan.iter_people()),
        },
        default=_plain,
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    msg = f"cannot serialise {type(value).__name__}"
    raise TypeError(msg)


@dataclass(frozen=True)
class DemoLoginRow:
    username: str
    password: str
    role: Role
    where: str


def demo_login_table(plan: StreetPlan) -> list[DemoLoginRow]:
    """The demo logins as planned on the demo street (index 0), with where each is bound."""
    names = {
        a.code: f"{a.name} ({a.code})" for a in (plan.city, plan.district.area, *plan.iter_areas())
    }
    for community in plan.communities:
        for grid in community.grids:
            names[grid.area.code] = f"{community.name}{grid.area.name} ({grid.area.code})"
    areas = {a.code: a.name for a in (plan.district.area, plan.area)}
    names |= {
        d.key: f"{d.name} · {areas[d.area_code]}"
        for d in (*plan.district.departments, *plan.departments)
    }
    rows: list[DemoLoginRow] = []
    for person in itertools.chain(plan.district.people, plan.iter_people()):
        if person.is_demo_login:
            member = person.memberships[0]
            where = names.get(member.key, member.key)
            if member.grid_duty:
                where = f"{where} · {member.grid_duty}"
            rows.append(DemoLoginRow(person.username, DEMO_PASSWORD, member.role, where))
    order = {name: n for n, name in enumerate(DEMO_USERNAMES)}
    return sorted(rows, key=lambda row: order[row.username])


# --- writing ------------------------------------------------------------------------------


@dataclass
class SeedSummary:
    scale: int
    seed: int
    streets_created: list[str] = field(default_factory=list)
    streets_skipped: list[str] = field(default_factory=list)
    areas: Counter[int] = field(default_factory=Counter)  # level -> areas created
    departments: int = 0
    organizations: int = 0
    users: int = 0
    memberships: int = 0
    households: int = 0  # register targets of the communities created (no rows yet)
    residents: int = 0
    first_street: StreetPlan | None = None
    demo_logins: list[DemoLoginRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def created(self) -> bool:
        return bool(self.streets_created)

    def counts(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "streets": len(self.streets_created),
            "areas": {Level(level).name.lower(): self.areas[level] for level in sorted(self.areas)},
            "departments": self.departments,
            "organizations": self.organizations,
            "users": self.users,
            "memberships": self.memberships,
            "households_planned": self.households,
            "residents_planned": self.residents,
        }


def generate(
    scale: int = 1,
    seed: int = DEFAULT_SEED,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[StreetPlan, bool], None] | None = None,
) -> SeedSummary:
    """Seed ``scale`` streets, one transaction each; skip streets that already exist. Calls
    ``progress(plan, created)`` after each street."""
    if not 1 <= scale <= MAX_SCALE:
        msg = f"scale must be 1…{MAX_SCALE}"
        raise ValueError(msg)
    started = time.monotonic()
    summary = SeedSummary(scale=scale, seed=seed)
    writer = _Writer(summary, batch_size)
    for plan in iter_street_plans(scale, seed):
        if plan.index == 0:
            summary.first_street = plan
            summary.demo_logins = demo_login_table(plan)
        if Area.objects.current().filter(code=plan.code).exists():
            summary.streets_skipped.append(plan.code)
        else:
            with transaction.atomic():
                writer.write_street(plan)
            summary.streets_created.append(plan.code)
        if progress is not None:
            progress(plan, plan.code in summary.streets_created)
    if summary.created:
        audit(
            actor=SYSTEM,
            action=AuditAction.CREATE,
            object_type="demo.seed",
            object_id=summary.streets_created[0],
            object_repr=f"demo seed: {len(summary.streets_created)} street(s), seed {seed}",
            area_path="",
            changes=summary.counts(),
        )
    summary.seconds = time.monotonic() - started
    return summary


def _batched[T](items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    return itertools.batched(items, max(1, size))


class _Writer:
    def __init__(self, summary: SeedSummary, batch_size: int) -> None:
        self.summary = summary
        self.batch_size = batch_size
        self.start = min(DEMO_START, timezone.localdate())

    # areas
    def _area(self, plan: AreaPlan, parent: Area | None) -> Area:
        problem = code_problem(
            plan.level, plan.code, parent.level if parent else None, parent.code if parent else None
        )
        measured, boundary_problem = validate_boundary(plan.boundary)
        if problem or boundary_problem:
            msg = f"{plan.code} {plan.name}: {problem or boundary_problem}"
            raise DemoSeedError(msg)
        area = Area(
            level=plan.level,
            code=plan.code,
            name=plan.name,
            parent=parent,
            area_path=child_path(parent.area_path if parent else "", plan.code),
            valid_from=self.start,
        )
        _apply_geometry(area, measured, plan.boundary)
        return area

    def _ensure_area(self, plan: AreaPlan, parent: Area | None) -> Area:
        """The existing current area of that code (its outline widened to the plan's if the
        plan's encloses it), or a new one."""
        existing: Area | None = Area.objects.current().filter(code=plan.code).first()
        if existing is None:
            area = self._area(plan, parent)
            area.save()
            self.summary.areas[plan.level] += 1
            return area
        if existing.level != plan.level:
            msg = f"{plan.code} exists as a {Level(existing.level).label}, not a {Level(plan.level).label}"
            raise DemoSeedError(msg)
        planned, _problem = validate_boundary(plan.boundary)
        current, _problem = (
            validate_boundary(existing.boundary) if existing.boundary else (None, None)
        )
        if planned is not None and (
            current is None
            or (
                planned.geometry.contains(current.geometry)
                and not current.geometry.equals(planned.geometry)
            )
        ):
            _apply_geometry(existing, planned, plan.boundary)
            existing.save(
                update_fields=[
                    "boundary",
                    "min_lon",
                    "min_lat",
                    "max_lon",
                    "max_lat",
                    "label_lon",
                    "label_lat",
                    "updated_at",
                ]
            )
        return existing

    def _bulk_areas(self, plans: Iterable[AreaPlan], areas: dict[str, Area]) -> None:
        for batch in _batched(plans, self.batch_size):
            rows = Area.objects.bulk_create(
                [self._area(p, areas[p.parent_code or ""]) for p in batch]
            )
            _check_pks(rows)
            for row in rows:
                areas[row.code] = row
                self.summary.areas[row.level] += 1

    def write_street(self, plan: StreetPlan) -> None:
        if plan.index == 0:
            taken = sorted(
                User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
            )
            if taken:
                msg = f"demo usernames already taken: {', '.join(taken)}"
                raise DemoSeedError(msg)
        city = self._ensure_area(plan.city, None)
        district = self._ensure_area(plan.district.area, city)
        areas: dict[str, Area] = {city.code: city, district.code: district}
        departments: dict[str, Department] = {}
        organizations: dict[str, Organization] = {}
        if plan.first_in_district:
            departments |= self._departments(plan.district.departments, areas)
        street = self._area(plan.area, district)
        street.save()
        self.summary.areas[Level.STREET] += 1
        areas[street.code] = street
        self._bulk_areas((c.area for c in plan.communities), areas)
        self._bulk_areas((g.area for c in plan.communities for g in c.grids), areas)
        self._bulk_areas((s for c in plan.communities for g in c.grids for s in g.subgrids), areas)
        departments |= self._departments(plan.departments, areas)
        organizations |= self._organizations(plan.organizations, areas)
        people: Iterable[PersonPlan] = plan.iter_people()
        if plan.first_in_district:
            people = itertools.chain(plan.district.people, people)
        self._people(people, areas, departments, organizations)
        for community in plan.communities:
            self.summary.households += community.households
            self.summary.residents += community.residents

    def _departments(
        self, plans: Sequence[DepartmentPlan], areas: dict[str, Area]
    ) -> dict[str, Department]:
        existing = {
            (d.area.code, d.name): d
            for d in Department.objects.filter(
                area__in=[areas[p.area_code] for p in plans]
            ).select_related("area")
        }
        found = {
            p.key: existing[(p.area_code, p.name)]
            for p in plans
            if (p.area_code, p.name) in existing
        }
        new = [
            Department(
                area=areas[p.area_code],
                area_path=areas[p.area_code].area_path,
                name=p.name,
                short_name=p.short_name,
                phone=p.phone,
            )
            for p in plans
            if p.key not in found
        ]
        rows = Department.objects.bulk_create(new, batch_size=self.batch_size)
        _check_pks(rows)
        self.summary.departments += len(rows)
        return found | {f"{row.area.code}:{row.name}": row for row in rows}

    def _organizations(
        self, plans: Sequence[OrganizationPlan], areas: dict[str, Area]
    ) -> dict[str, Organization]:
        made: dict[str, Organization] = {}
        pending = list(plans)
        while pending:  # parents first: write every organization whose parent exists
            ready = [p for p in pending if p.parent_key is None or p.parent_key in made]
            if not ready:
                msg = f"organizations with unknown parents: {[p.key for p in pending]}"
                raise DemoSeedError(msg)
            rows = Organization.objects.bulk_create(
                [
                    Organization(
                        area=areas[p.area_code],
                        area_path=areas[p.area_code].area_path,
                        kind=p.kind,
                        name=p.name,
                        parent=made[p.parent_key] if p.parent_key else None,
                        contact=p.contact,
                    )
                    for p in ready
                ],
                batch_size=self.batch_size,
            )
            _check_pks(rows)
            made |= {p.key: row for p, row in zip(ready, rows, strict=True)}
            pending = [p for p in pending if p.key not in made]
        self.summary.organizations += len(made)
        return made

    def _people(
        self,
        people: Iterable[PersonPlan],
        areas: dict[str, Area],
        departments: dict[str, Department],
        organizations: dict[str, Organization],
    ) -> None:
        for batch in _batched(people, self.batch_size):
            users = [self._user(p) for p in batch]
            User.objects.bulk_create(users)
            _check_pks(users)
            memberships = [
                self._membership(user, m, areas, departments, organizations)
                for p, user in zip(batch, users, strict=True)
                for m in p.memberships
            ]
            Membership.objects.bulk_create(memberships, batch_size=self.batch_size)
            self.summary.users += len(users)
            self.summary.memberships += len(memberships)

    def _user(self, plan: PersonPlan) -> User:
        user = User(username=plan.username, full_name=plan.full_name, is_active=True)
        if plan.is_demo_login:
            validate_password(DEMO_PASSWORD, user)
            user.password = make_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        return user

    def _membership(
        self,
        user: User,
        plan: MembershipPlan,
        areas: dict[str, Area],
        departments: dict[str, Department],
        organizations: dict[str, Organization],
    ) -> Membership:
        membership = Membership(
            user=user,
            role=plan.role,
            grid_duty=plan.grid_duty,
            title=plan.title,
            valid_from=self.start,
        )
        if plan.kind == "area":
            membership.area = areas[plan.key]
            membership.area_path = membership.area.area_path
        elif plan.kind == "department":
            membership.department = departments[plan.key]
            membership.area_path = membership.department.area_path
        else:
            membership.organization = organizations[plan.key]
            membership.area_path = membership.organization.area_path
        return membership


def _check_pks(rows: Sequence[Any]) -> None:
    if any(row.pk is None for row in rows):
        msg = "the database did not return primary keys from bulk_create (SQLite 3.35+ or PostgreSQL needed)"
        raise DemoSeedError(msg)
