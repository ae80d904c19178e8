"""A small register on top of shequ.core.testing's tree, for the register's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shequ.core.actors import SYSTEM
from shequ.core.testing import Tree
from shequ.core.validators import valid_test_id_number
from shequ.registry.models import Building, House, Household, Resident
from shequ.registry.services import (
    ResidentData,
    building_create,
    house_create,
    household_create,
    resident_add,
)

ZHANG_ID = valid_test_id_number("530114", dt.date(1980, 5, 17), 13)  # 张伟东, male
LI_ID = valid_test_id_number("530114", dt.date(1982, 3, 2), 24)  # 李娜, female


@dataclass
class Register:
    building: Building  # grid A, 6 floors, 2 entrances
    house: House  # 1-1-101, the Zhang household
    empty_house: House  # 1-1-102
    household: Household
    zhang: Resident
    li: Resident
    other_building: Building  # grid B
    other_house: House
    other_household: Household
    wang: Resident  # lives in grid B


def build_register(tree: Tree) -> Register:
    building = building_create(
        actor=SYSTEM,
        area=tree.grid_a,
        estate="龙城小区",
        number="1栋",
        address="呈贡区龙城路1号",
        floors=6,
        entrances=2,
        lon=102.61,
        lat=24.61,
    )
    house = house_create(actor=SYSTEM, building=building, entrance=1, floor=1, room="101")
    empty_house = house_create(actor=SYSTEM, building=building, entrance=1, floor=1, room="102")
    household = household_create(actor=SYSTEM, house=house, on=dt.date(2020, 1, 1))
    zhang = resident_add(
        actor=SYSTEM,
        household=household,
        on=dt.date(2020, 1, 1),
        data=ResidentData(
            name="张伟东",
            id_number=ZHANG_ID,
            phone="13812345678",
            relation="head",
            ethnicity="汉族",
        ),
    )
    li = resident_add(
        actor=SYSTEM,
        household=household,
        on=dt.date(2020, 1, 1),
        data=ResidentData(name="李娜", id_number=LI_ID, phone="0871-65551234", relation="spouse"),
    )
    other_building = building_create(
        actor=SYSTEM, area=tree.grid_b, number="8栋", address="呈贡区七彩路8号", floors=3
    )
    other_house = house_create(
        actor=SYSTEM, building=other_building, entrance=1, floor=2, room="201", use="rented"
    )
    other_household = household_create(actor=SYSTEM, house=other_house, on=dt.date(2021, 6, 1))
    wang = resident_add(
        actor=SYSTEM,
        household=other_household,
        on=dt.date(2021, 6, 1),
        data=ResidentData(name="王伟", residency="non_local", relation="head", phone="13987654321"),
    )
    return Register(
        building,
        house,
        empty_house,
        household,
        zhang,
        li,
        other_building,
        other_house,
        other_household,
        wang,
    )
