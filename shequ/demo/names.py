"""Names: people's full names, street and community names, and the words the names of
organizations and grid posts are made of."""

from __future__ import annotations

import random
from typing import Final

from shequ.accounts.roles import GridDuty

FIRST_STREET_NAME: Final = "龙湖街道"
FIRST_COMMUNITIES: Final = ("龙湖社区", "七彩社区", "春融社区", "兴和社区")
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


class NameGenerator:
    """Plausible Chinese full names: a common surname (more common ones more often) and one or
    two given-name characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def full_name(self) -> str:
        surname = self.rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        size = 1 if self.rng.random() < 0.3 else 2
        return surname + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(size))


def _street_name(index: int) -> str:
    """龙湖街道, then 云溪街道 … 长乐街道, 云溪东街道 …; names repeat after 200 streets (codes
    never do)."""
    if index == 0:
        return FIRST_STREET_NAME
    word = STREET_WORDS[(index - 1) % len(STREET_WORDS)]
    suffix = STREET_SUFFIXES[(index - 1) // len(STREET_WORDS) % len(STREET_SUFFIXES)]
    return f"{word}{suffix}街道"
