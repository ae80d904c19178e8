"""A deterministic, streaming demo generator: a fictional street of Kunming's Chenggong
district with its communities, grids and subgrids, departments, organizations, grid staff
in "1+9+X", one demo login per role, and its population and housing register.

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
    A street whose code already exists (current) is skipped, register and all, so a second
    run adds nothing, and a larger ``scale`` later adds only the missing streets.

"Hongkang size"
    The first community of every street is the large one, the size of Hongkang community:
    ~9,700 households and ~20,500 residents (3 grids, 6 subgrids on the demo street, as in
    the seed article); the others have 1,500–3,000 households at ~2.1 residents each.
    ``CommunityPlan.households`` and ``.residents`` are these targets.

The population and housing register (``shequ.demo.register``, ``write_register``)
    Every community gets exactly its targets (times ``generate(register=F)``, 0 to 1; tests
    use ~1 %), drawn from its own stream (``_rng(seed, index, "register:<n>")``), so the areas,
    people and organizations above are the same with or without it. Buildings stand in the
    smallest areas (subgrids), at points inside the area's outline: flats of 6–18 floors in
    estates (小区, "3栋" at "呈贡区龙湖路18号"), 2–3 storey houses with shops along roads
    ("彩云路18号") and self-built houses in urban villages ("斗南村12号"); 1–3 entrances,
    1–4 houses a floor, rooms like "1203". Houses are ~70 % owner-occupied, 15 % rented,
    8 % vacant (more when the last building of an area is bigger than needed), 3 % offices
    and 4 % business premises on ground floors, 45–160 m², with property rights. One household
    lives in each occupied house ("H0001234"), 1–6 people (~2.1 on average): a head with a
    spouse, children, parents, grandchildren, siblings or, in rented flats, tenants, at ages
    that fit (children 22–36 years younger than their parents …); names from
    ``NameGenerator``, children with their father's surname. ID numbers have valid check
    characters, the resident's birth date and sex, and are unique in the whole city at any
    scale (``shequ.demo.numbers``: region 530114 for the first 250 streets); ~70 % have a
    mobile phone, unique too; ethnicity mostly 汉族, some 彝族, 回族, 白族, 哈尼族 …;
    tenants mostly non-local; ~8 % party members; care tags on a plausible few (elderly
    living alone, empty-nest elderly, left-behind children, disability, low income …).
    Business and office houses hold shops and units with valid unified social credit codes.
    Most buildings have a head (楼栋长) living there, some households are party-member
    central households (党员中心户). Rows are what the services would leave: house colours
    (``colours.py``'s precedence, computed from the plan), stays and house stays from
    plausible past days, name grams, and the rollup counts (RegisterStat, added per street
    as ``stats.apply`` does, equal to what ``stats.rebuild()`` gives). ID numbers and phones
    are encrypted once each (demo keys in demo mode). The same seed gives the same names, ID
    numbers, phones and codes; only timestamps, primary keys, ciphertexts (random nonces)
    and household-code nonces differ.

Speed
    Scale 1 (~16,000 households, ~34,000 residents, ~19,000 houses, ~270,000 rows in all)
    takes ~13–15 s on SQLite on two cores (~17 s on PostgreSQL): planning the register ~3 s,
    encrypting ID numbers and phones ~2.5 s, the inserts ~4 s (``shequ.core.bulk``: tuples,
    no model instances; the 150,000 name grams are the biggest part), the areas and people
    ~2–3 s. Peak memory does not grow with the register: rows are written ~1,000 houses at a
    time, and the rollups are summed per area in memory (``stats.rebuild()`` instead would
    cost another ~3 s a street, and grow with the city).

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

from shequ.demo.codes import DEFAULT_SEED, MAX_SCALE, DemoSeedError, street_code, street_slot
from shequ.demo.geometry import Lattice, split_block
from shequ.demo.names import NameGenerator
from shequ.demo.numbers import IdNumbers, credit_code, mobile_phone
from shequ.demo.people import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    DemoLogin,
    DemoLoginRow,
    MembershipPlan,
    PersonPlan,
    demo_login_table,
)
from shequ.demo.plan import (
    AreaPlan,
    CommunityPlan,
    DepartmentPlan,
    DistrictPlan,
    GridPlan,
    OrganizationPlan,
    StreetPlan,
    iter_street_plans,
    plan_city,
    plan_digest,
    plan_district,
    plan_street,
)
from shequ.demo.register import (
    BuildingPlan,
    HouseholdPlan,
    HousePlan,
    ResidentPlan,
    UnitPlan,
    house_colour,
    iter_register,
    register_digest,
    register_size,
)
from shequ.demo.write import BATCH_SIZE, CommunityCount, SeedSummary, generate

__all__ = [
    "BATCH_SIZE",
    "DEFAULT_SEED",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_USERNAMES",
    "MAX_SCALE",
    "AreaPlan",
    "BuildingPlan",
    "CommunityCount",
    "CommunityPlan",
    "DemoLogin",
    "DemoLoginRow",
    "DemoSeedError",
    "DepartmentPlan",
    "DistrictPlan",
    "GridPlan",
    "HousePlan",
    "HouseholdPlan",
    "IdNumbers",
    "Lattice",
    "MembershipPlan",
    "NameGenerator",
    "OrganizationPlan",
    "PersonPlan",
    "ResidentPlan",
    "SeedSummary",
    "StreetPlan",
    "UnitPlan",
    "credit_code",
    "demo_login_table",
    "generate",
    "house_colour",
    "iter_register",
    "iter_street_plans",
    "mobile_phone",
    "plan_city",
    "plan_digest",
    "plan_district",
    "plan_street",
    "register_digest",
    "register_size",
    "split_block",
    "street_code",
    "street_slot",
]
