"""Demo cases for the demo street: a few hundred over the last three months from every
channel, category and level, taken through the real services (so every case has its
timeline, audit records and measures), in every state: closed on time and late, reworked,
extended, rated, rejected, still open and overdue, and a handful of today's cases waiting in
each demo login's queue (dispatcher, community, gridchief, gridworker, department).

The services read the time from ``django.utils.timezone.now``; the seeder replaces it with a
simulated clock while it works (decision 0021), so a case registered "40 days ago" carries
that date on its row, its events and its deadlines. Deterministic: the same seed gives the
same cases, states and texts (only timestamps relative to today differ from day to day)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import Membership, User
from shequ.accounts.roles import Role
from shequ.areas.models import Area, Department, Level
from shequ.areas.services import department_create
from shequ.cases.models import Case, Category
from shequ.cases.services import case_act, case_register
from shequ.core.actors import SYSTEM
from shequ.core.errors import ConflictError, NotAllowed, ServiceError
from shequ.demo.names import NameGenerator

DEMO_CASES = 240
DAYS_BACK = 90
# Departments the categories name that the demo street lacks: added on the street.
EXTRA_DEPARTMENTS = (("园林绿化所", "园林"),)

CHANNELS = (
    ("hotline_12345", 30),
    ("hotline_order", 12),
    ("city_management", 15),
    ("patrol", 20),
    ("resident", 10),
    ("walk_in", 6),
    ("letters_visits", 4),
    ("proposal", 3),
)
PLACES = (
    "龙湖路与春融街交叉口",
    "彩云路18号门口",
    "斗南村12号旁",
    "七彩小区3栋楼下",
    "兴和农贸市场东门",
    "春融公园南侧",
    "龙湖小学门口",
    "洛龙河步道",
    "春融小区地下车库入口",
    "龙湖社区服务中心旁",
)
DETAILS = (
    "已经持续好几天，居民反映强烈，希望尽快处理。",
    "晚上尤其明显，影响老人和孩子出行安全。",
    "之前反映过一次，没有解决，请相关部门尽快处理。",
    "现场有照片，位置在路边显眼处。",
    "附近商户和居民都有意见，请安排人员查看。",
)
FOLLOW_UP_COMMENTS = ("处理及时，很满意", "基本解决了", "还可以", "处理太慢", "问题没有根本解决")


@dataclass
class _Cast:
    """Who acts for which area and department (the demo street's own staff)."""

    dispatcher: User
    community: dict[str, User]  # community path -> a community staff member
    chief: dict[str, User]  # grid path -> its grid chief
    worker: dict[str, User]  # grid path -> a grid worker
    handler: dict[int, User]  # department id -> a handler

    def of(self, table: dict[str, User], path: str) -> User | None:
        best = None
        for key, user in table.items():
            if path.startswith(key) and (best is None or len(key) > len(best[0])):
                best = (key, user)
        return best[1] if best else None


def _cast(street: Area, departments: list[Department]) -> _Cast:
    def first(role: Role, **where: Any) -> dict[Any, User]:
        found: dict[Any, User] = {}
        rows = (
            Membership.objects.active()
            .filter(role=role, **where)
            .select_related("user")
            .order_by("area_path", "pk")
        )
        for m in rows:
            key = m.department_id if role == Role.DEPARTMENT_HANDLER else m.area_path
            # The demo logins come first where they hold the post.
            if key not in found or (
                m.user.has_usable_password() and not found[key].has_usable_password()
            ):
                found[key] = m.user
        return found

    inside = {"area_path__startswith": street.area_path}
    dispatcher = User.objects.filter(username="dispatcher").first() or next(
        iter(first(Role.STREET_DISPATCHER, **inside).values())
    )
    return _Cast(
        dispatcher=dispatcher,
        community=first(Role.COMMUNITY_STAFF, area__isnull=False, **inside),
        chief=first(Role.GRID_CHIEF, **inside),
        worker=first(Role.GRID_WORKER, **inside),
        handler=first(Role.DEPARTMENT_HANDLER, department__in=departments),
    )


class _Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.now


@contextlib.contextmanager
def simulated_clock() -> Iterator[_Clock]:
    """The services' clock, set by the seeder (decision 0021)."""
    clock = _Clock()
    with mock.patch.object(timezone, "now", clock):
        yield clock


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _department_for(
    category: Category, by_short: dict[str, Department], rng: random.Random
) -> Department:
    node: Category | None = category
    while node is not None:
        if node.default_department in by_short:
            return by_short[node.default_department]
        node = node.parent
    return rng.choice(list(by_short.values()))


class _Seeder:
    def __init__(self, street: Area, seed: int) -> None:
        self.street = street
        self.rng = random.Random(f"{seed}:cases")
        self.names = NameGenerator(random.Random(f"{seed}:case-reporters"))
        for name, short in EXTRA_DEPARTMENTS:
            if not Department.objects.filter(area=street, short_name=short).exists():
                department_create(actor=SYSTEM, area=street, name=name, short_name=short)
        self.departments = list(
            Department.objects.filter(area=street, is_active=True).order_by("pk")
        )
        self.by_short = {d.short_name: d for d in self.departments if d.short_name}
        self.cast = _cast(street, self.departments)
        leaves = Area.objects.current().filter(
            area_path__startswith=street.area_path, level__in=(Level.GRID, Level.SUBGRID)
        )
        self.areas = list(leaves.order_by("code"))
        self.first_grid = next(
            (
                a
                for a in self.areas
                if a.level == Level.GRID and self.cast.worker.get(a.area_path) is not None
            ),
            self.areas[0],
        )
        self.categories = list(
            Category.objects.filter(parent__isnull=False, is_active=True)
            .select_related("parent")
            .order_by("code")
        )
        self.made = 0

    # -- one case ------------------------------------------------------------------------

    def register(self, clock: _Clock, *, area: Area | None = None, **extra: Any) -> Case | None:
        rng = self.rng
        category = rng.choice(self.categories)
        area = area or (self.first_grid if rng.random() < 0.25 else rng.choice(self.areas))
        level = _weighted(rng, (("routine", 88), ("key", 9), ("emergency", 3)))
        channel = _weighted(rng, CHANNELS)
        if channel == "patrol":
            actor = self.cast.of(self.cast.worker, area.area_path)
        elif channel in ("hotline_12345", "city_management", "letters_visits"):
            actor = self.cast.dispatcher
        else:
            actor = self.cast.of(self.cast.community, area.area_path)
        anonymous = channel != "patrol" and rng.random() < 0.1
        place = rng.choice(PLACES)
        values: dict[str, Any] = {
            "channel": channel,
            "category": category,
            "level": level,
            "city_level": level == "key" and rng.random() < 0.2,
            "title": f"{place}{category.plain_name or category.name}",
            "description": f"{place}{category.plain_name or category.name}，{rng.choice(DETAILS)}",
            "area": area,
            "anonymous": anonymous,
            "external_ref": f"DEMO-{channel[:4].upper()}-{self.made:05d}"
            if channel in ("hotline_12345", "hotline_order", "city_management")
            else "",
        }
        if channel != "patrol" and not anonymous:
            values["reporter_name"] = self.names.full_name()
            values["reporter_phone"] = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
        values |= extra
        self.made += 1
        try:
            return case_register(actor=actor or SYSTEM, **values).case
        except ServiceError:
            return None

    def play(
        self,
        case: Case,
        clock: _Clock,
        stop: str,
        *,
        late: bool = False,
        quick: bool = False,
        lead: Department | None = None,
    ) -> Case:
        """Take ``case`` along the loop until ``stop`` (see STOPS), or until the simulated
        time would pass the real now. ``late``: the handling drags past the deadline;
        ``quick``: minutes between steps (today's queue); ``lead``: whistle to it."""
        rng = self.rng
        cast = self.cast
        path = case.area_path
        community = cast.of(cast.community, path) or cast.dispatcher
        grid = cast.of(cast.chief, path) or community
        ended = False

        def step(hours: float, actor: Any, action: str, **fields: Any) -> bool:
            nonlocal case, ended
            if ended:
                return False
            moved = clock.now + dt.timedelta(hours=rng.uniform(0.05, 0.2) if quick else hours)
            if moved > _REAL_NOW[0]:
                ended = True
                return False
            clock.now = moved
            try:
                case = case_act(actor=actor or SYSTEM, case=case, action=action, **fields)
            except (ServiceError, ConflictError, NotAllowed):
                ended = True
                return False
            return True

        def slow() -> float:
            return rng.uniform(100, 220) if late else rng.uniform(4, 60)

        if stop == "closed" and rng.random() < 0.03:
            step(rng.uniform(0.5, 6), community, "reject", reason="不属于受理范围，已告知来电人")
            return case
        if not step(rng.uniform(0.3, 5), community, "accept") or stop == "accepted":
            return case
        whistle = (
            lead is not None
            or stop in ("to_dispatch", "waiting_check_in")
            or (stop != "handling" and (case.level != "routine" or rng.random() < 0.55))
        )
        if whistle:
            if not step(rng.uniform(1, 8), community, "escalate", reason="需要职能部门处置"):
                return case
            if stop == "to_dispatch":
                return case
            lead = lead or _department_for(case.category, self.by_short, rng)
            co = [d for d in self.departments if d != lead and rng.random() < 0.1][:1]
            if not step(
                rng.uniform(0.5, 6),
                cast.dispatcher,
                "whistle",
                lead_department=lead,
                co_departments=co,
            ):
                return case
            if stop == "waiting_check_in":
                return case
            handler = cast.handler.get(lead.pk)
            if not step(rng.uniform(0.2, 30), handler, "check_in"):
                return case
            for department in co:
                step(rng.uniform(0.2, 30), cast.handler.get(department.pk), "check_in")
            worker: Any = handler
        else:
            if not step(rng.uniform(0.5, 6), community, "take"):
                return case
            worker = cast.of(cast.worker, path) or grid
        if stop == "closed" and rng.random() < 0.12:
            step(
                slow() / 2,
                worker,
                "request_extension",
                days=rng.randint(2, 7),
                reason="需要协调施工队",
            )
            approver = cast.dispatcher if whistle else community
            if rng.random() < 0.8:
                step(rng.uniform(1, 12), approver, "approve_extension", note="同意延期")
            else:
                step(rng.uniform(1, 12), approver, "deny_extension", reason="请按期办结")
        if stop in ("dispatched", "handling"):
            step(rng.uniform(1, 12), worker, "handle", note="已安排人员现场查看")
            return case
        if not step(slow(), worker, "resolve", note="已现场处置完毕，附处置后照片"):
            return case
        if stop == "closed" and rng.random() < 0.1:
            step(rng.uniform(2, 24), community, "rework", reason="现场核查仍未整改到位")
            step(slow() / 2, worker, "resolve", note="已重新整改")
        if stop == "resolved":
            return case
        if not step(rng.uniform(2, 30), community, "verify", note="现场核查属实") or (
            stop == "verified"
        ):
            return case
        if case.anonymous or rng.random() < 0.06:
            step(rng.uniform(2, 20), community, "close", reason="匿名反映，无法回访")
            return case
        satisfaction = rng.choices([5, 4, 3, 2, 1], weights=[55, 28, 9, 5, 3])[0]
        resolution = "yes" if satisfaction >= 4 else rng.choice(["yes", "partly", "no"])
        reached = rng.random() < 0.92
        fields: dict[str, Any] = {"reached": reached}
        if reached:
            fields |= {
                "resolution": resolution,
                "satisfaction": satisfaction,
                "comment": FOLLOW_UP_COMMENTS[5 - satisfaction],
            }
        else:
            fields["reason"] = "电话三次未接通"
        if not step(rng.uniform(4, 48), community, "follow_up", **fields):
            return case
        if reached and satisfaction <= 2 and rng.random() < 0.4:
            step(rng.uniform(1, 12), community, "reopen", reason="群众不满意，重新办理")
            return case
        step(rng.uniform(1, 24), community, "close")
        return case


_REAL_NOW: list[dt.datetime] = [dt.datetime.max.replace(tzinfo=dt.UTC)]

# Where today's queue cases stop: one or more per demo login.
QUEUES: tuple[tuple[str, int], ...] = (
    ("registered", 3),  # community: to accept
    ("to_dispatch", 2),  # dispatcher: to whistle
    ("handling", 3),  # gridchief, gridworker: to handle and resolve
    ("waiting_check_in", 2),  # department: to check in
    ("dispatched", 2),  # department: to resolve
    ("resolved", 2),  # community: to verify
    ("verified", 1),  # community: to follow up
)


def _stop_for(rng: random.Random, age_days: float) -> str:
    """Older cases are mostly closed; recent ones are anywhere in the loop."""
    closed_share = 0.95 if age_days > 30 else 0.75 if age_days > 10 else 0.35
    if rng.random() < closed_share:
        return "closed"
    return rng.choice(["accepted", "to_dispatch", "dispatched", "handling", "resolved", "verified"])


def seed_cases(
    street: Area,
    *,
    seed: int,
    count: int = DEMO_CASES,
    days: int = DAYS_BACK,
) -> int:
    """Seed ``count`` cases on ``street`` over the last ``days`` days, and today's queue;
    nothing when the street has cases already. Returns how many were made."""
    if Case.objects.filter(area_path__startswith=street.area_path).exists():
        return 0
    real_now = timezone.now()
    _REAL_NOW[0] = real_now
    made = 0
    try:
        with transaction.atomic(), simulated_clock() as clock:
            seeder = _Seeder(street, seed)
            rng = seeder.rng
            starts = sorted(
                real_now - dt.timedelta(days=rng.uniform(0.5, days)) for _ in range(count)
            )
            for start in starts:
                local = timezone.localtime(start)
                clock.now = min(
                    local.replace(hour=rng.randint(8, 19), minute=rng.randint(0, 59)),
                    real_now - dt.timedelta(hours=1),
                )
                case = seeder.register(clock)
                if case is None:
                    continue
                made += 1
                age = (real_now - clock.now).total_seconds() / 86400
                seeder.play(case, clock, _stop_for(rng, age), late=rng.random() < 0.12)
            # Today's work in the demo logins' queues, in the first grid of the first community.
            department = seeder.by_short.get("城管")
            for stop, how_many in QUEUES:
                for _ in range(how_many):
                    clock.now = real_now - dt.timedelta(hours=rng.uniform(2, 5))
                    case = seeder.register(clock, area=seeder.first_grid, level="routine")
                    if case is None:
                        continue
                    made += 1
                    if stop != "registered":
                        lead = department if stop in ("waiting_check_in", "dispatched") else None
                        seeder.play(case, clock, stop, quick=True, lead=lead)
    finally:
        _REAL_NOW[0] = dt.datetime.max.replace(tzinfo=dt.UTC)
    return made
