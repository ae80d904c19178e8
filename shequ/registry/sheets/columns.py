"""The columns of the register sheet: the one table that the template, the reader, the error
messages and the export all use.

Headers are Chinese (what the community's own sheets say); the English field names are
accepted too. Choice columns take the Chinese labels below, the English labels or the code
values; the export writes the first Chinese label, so an exported sheet imports again."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.core.validators import valid_test_id_number
from shequ.registry.models import CareTag, Gender, HouseUse, Relation, Residency

Kind = Literal["text", "int", "decimal", "date", "choice", "bool", "tags"]

SHEET_NAME = "台账"
NOTES_SHEET_NAME = "说明"

# Chinese labels: the first of each is written by the export and the template.
HOUSE_USE_LABELS: dict[str, tuple[str, ...]] = {
    HouseUse.OWNER_OCCUPIED: ("自住", "自用"),
    HouseUse.RENTED: ("出租", "租住"),
    HouseUse.VACANT: ("空置", "闲置"),
    HouseUse.OFFICE: ("单位办公", "办公"),
    HouseUse.BUSINESS: ("经营场所", "经营", "商铺", "门面"),
}
RESIDENCY_LABELS: dict[str, tuple[str, ...]] = {
    Residency.REGISTERED: ("户籍", "户籍人口", "常住", "本地"),
    Residency.NON_LOCAL: ("流动", "流动人口", "外来", "外地"),
}
GENDER_LABELS: dict[str, tuple[str, ...]] = {
    Gender.MALE: ("男", "男性"),
    Gender.FEMALE: ("女", "女性"),
}
RELATION_LABELS: dict[str, tuple[str, ...]] = {
    Relation.HEAD: ("户主", "本人"),
    Relation.SPOUSE: ("配偶", "妻子", "丈夫", "妻", "夫"),
    Relation.CHILD: ("子女", "儿子", "女儿", "子", "女"),
    Relation.PARENT: ("父母", "父亲", "母亲"),
    Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙", "外孙女"),
    Relation.GRANDPARENT: ("祖父母", "祖父", "祖母", "外祖父", "外祖母"),
    Relation.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹"),
    Relation.CHILD_IN_LAW: ("儿媳/女婿", "儿媳", "女婿"),
    Relation.TENANT: ("租户", "租客"),
    Relation.OTHER: ("其他",),
}
CARE_TAG_LABELS: dict[str, tuple[str, ...]] = {
    CareTag.LIVING_ALONE: ("独居老人",),
    CareTag.EMPTY_NEST: ("空巢老人",),
    CareTag.DISABLED: ("残疾人", "残疾"),
    CareTag.LOW_INCOME: ("低保对象", "低保"),
    CareTag.EXTREME_POVERTY: ("特困人员", "特困"),
    CareTag.LEFT_BEHIND_CHILD: ("留守儿童",),
    CareTag.VETERAN: ("优抚对象", "优抚"),
    CareTag.SERIOUS_ILLNESS: ("重病患者", "大病", "重病"),
}
TRUE_WORDS = ("是", "y", "yes", "true", "1", "√", "✓", "党员")
FALSE_WORDS = ("否", "n", "no", "false", "0", "×", "非党员")
# Care tags in one cell: separated by commas (half- or full-width), 、 or semicolons.
TAG_SEPARATORS = re.compile(r"[,，、;；/\s]+")


@dataclass(frozen=True)
class Column:
    key: str  # the field name, also accepted as a header
    header: str  # the Chinese header
    kind: Kind
    help: str | Promise  # what goes in it, for the notes sheet and the upload page
    required: bool = False  # the header must be present (cells may still be empty)
    max_length: int = 0
    sample: Any = ""
    width: int = 12
    labels: dict[str, tuple[str, ...]] | None = None  # choice and tags columns


COLUMNS: tuple[Column, ...] = (
    Column(
        "grid_code",
        "网格代码",
        "text",
        _("Code of the grid or subgrid (15 or 17 digits), inside the area chosen on upload"),
        required=True,
        max_length=17,
        sample="530114001001001",
        width=18,
    ),
    Column(
        "estate",
        "小区",
        "text",
        _("Name of the housing estate; may be empty"),
        max_length=100,
        sample="龙城小区",
    ),
    Column(
        "building_number",
        "楼栋号",
        "text",
        _("Building number, unique within the grid and estate"),
        required=True,
        max_length=20,
        sample="1栋",
    ),
    Column(
        "building_address",
        "楼栋地址",
        "text",
        _("Street address of the building"),
        required=True,
        max_length=200,
        sample="呈贡区龙城路1号",
        width=22,
    ),
    Column(
        "floors",
        "总层数",
        "int",
        _("Floors above ground, 1 to 200 (needed for a building new to the register)"),
        required=True,
        sample=6,
        width=8,
    ),
    Column(
        "entrances",
        "单元数",
        "int",
        _("Entrances of the building, 1 to 50; empty means 1"),
        sample=2,
        width=8,
    ),
    Column(
        "entrance",
        "单元",
        "int",
        _("Entrance of the house; empty means 1"),
        sample=1,
        width=6,
    ),
    Column(
        "floor",
        "楼层",
        "int",
        _("Floor of the house: 1 to the building's floors, basements -1 to -5"),
        required=True,
        sample=1,
        width=6,
    ),
    Column(
        "room",
        "房号",
        "text",
        _("Room number, unique within the entrance"),
        required=True,
        max_length=10,
        sample="101",
        width=8,
    ),
    Column(
        "floor_area",
        "建筑面积",
        "decimal",
        _("Floor area in square metres; may be empty"),
        sample=89.5,
        width=10,
    ),
    Column(
        "use",
        "房屋用途",
        "choice",
        _("Use of the house; empty means owner-occupied"),
        sample="自住",
        width=10,
        labels=HOUSE_USE_LABELS,
    ),
    Column(
        "household_number",
        "户编号",
        "text",
        _(
            "The household number in your own register: rows with the same number in the same "
            "house are one household. Needed on every row with a person"
        ),
        required=True,
        max_length=40,
        sample="LC-0001",
    ),
    Column(
        "relation",
        "与户主关系",
        "choice",
        _("Relation to the head of the household; empty means other"),
        sample="户主",
        width=10,
        labels=RELATION_LABELS,
    ),
    Column(
        "name",
        "姓名",
        "text",
        _("Full name; leave the person's columns empty for a house or household without people"),
        required=True,
        max_length=50,
        sample="张伟东",
        width=10,
    ),
    Column(
        "id_number",
        "身份证号",
        "text",
        _(
            "18-character resident ID number; format the column as text, or Excel loses the "
            "last digits. May be empty (then the person is recognised by name in the household)"
        ),
        required=True,
        sample=valid_test_id_number("530114", dt.date(1980, 5, 17), 13),
        width=21,
    ),
    Column(
        "gender",
        "性别",
        "choice",
        _("男 or 女; taken from the ID number when it is given"),
        sample="男",
        width=6,
        labels=GENDER_LABELS,
    ),
    Column(
        "birth_date",
        "出生日期",
        "date",
        _("A date such as 1980-05-17, 1980/5/17, 1980年5月17日 or 19800517"),
        sample="1980-05-17",
        width=12,
    ),
    Column(
        "ethnicity",
        "民族",
        "text",
        _("Ethnic group, e.g. 汉族"),
        max_length=20,
        sample="汉族",
        width=8,
    ),
    Column(
        "phone",
        "联系电话",
        "text",
        _("Mobile (11 digits) or landline with area code, e.g. 0871-65551234"),
        sample="13812345678",
        width=14,
    ),
    Column(
        "residency",
        "人口类别",
        "choice",
        _("户籍 (registered) or 流动 (non-local); empty means 户籍"),
        sample="户籍",
        width=10,
        labels=RESIDENCY_LABELS,
    ),
    Column(
        "workplace",
        "工作单位或学校",
        "text",
        _("Workplace or school"),
        max_length=100,
        sample="",
        width=18,
    ),
    Column(
        "is_party_member",
        "党员",
        "bool",
        _("是 or 否; empty means 否"),
        sample="否",
        width=6,
    ),
    Column(
        "care_tags",
        "关爱标签",
        "tags",
        _("Care tags, separated by 、 or commas"),
        sample="",
        width=16,
        labels=CARE_TAG_LABELS,
    ),
)

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
BUILDING_KEYS = (
    "grid_code",
    "estate",
    "building_number",
    "building_address",
    "floors",
    "entrances",
)
HOUSE_KEYS = ("entrance", "floor", "room", "floor_area", "use")
PERSON_KEYS = (
    "relation",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "residency",
    "workplace",
    "is_party_member",
    "care_tags",
)
# The fields the resident services name in their errors, mapped to the sheet's columns.
SERVICE_FIELDS = {"number": "building_number", "address": "building_address"}


def normalise_header(text: Any) -> str:
    """A header as compared: NFKC, no spaces, no required-marks (*), lower case."""
    cleaned = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*＊]", "", cleaned).lower()


HEADERS: dict[str, Column] = {}
for _column in COLUMNS:
    HEADERS[normalise_header(_column.header)] = _column
    HEADERS[normalise_header(_column.key)] = _column


def choice_words(labels: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Every accepted spelling (Chinese labels, code values) → the code value."""
    words: dict[str, str] = {}
    for member, names in labels.items():
        code = str(member)  # a plain str: a database driver may write an Enum by its name
        words[code.lower()] = code
        for name in names:
            words[normalise_header(name)] = code
    return words


CHOICES: dict[str, dict[str, str]] = {
    c.key: choice_words(c.labels) for c in COLUMNS if c.labels is not None
}


def label_of(key: str, code: str) -> str:
    """The Chinese label written for ``code`` in column ``key`` (the code itself if unknown)."""
    labels = BY_KEY[key].labels or {}
    names = labels.get(code)
    return names[0] if names else code


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
