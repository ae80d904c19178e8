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


# --- the register: estates, roads, villages, shops and companies, people's details ----------
ESTATE_WORDS: Final = (
    "金域",
    "锦绣",
    "云华",
    "湖畔",
    "翠林",
    "春风",
    "梧桐",
    "星海",
    "御景",
    "香樟",
    "月湖",
    "蓝湾",
    "溪山",
    "水岸",
    "枫林",
    "兰亭",
    "朝阳",
    "青云",
    "书香",
    "世纪",
    "阳光",
    "盛世",
    "龙城",
    "雨花",
    "聚龙",
    "花语",
    "泉韵",
    "松涛",
    "明湖",
    "彩虹",
    "丽景",
    "紫薇",
)
ESTATE_SUFFIXES: Final = (
    "苑",
    "园",
    "小区",
    "花园",
    "家园",
    "雅居",
    "公寓",
    "新村",
    "嘉园",
    "华庭",
)
ROAD_WORDS: Final = (
    "彩云",
    "春融",
    "吴家营",
    "锦绣",
    "聚贤",
    "洛龙",
    "斗南",
    "雨花",
    "龙城",
    "石龙",
    "万青",
    "大冲",
    "乌龙",
    "梁王",
    "白龙",
    "联大",
    "景明",
    "祥和",
    "惠民",
    "春城",
)
ROAD_SUFFIXES: Final = ("路", "路", "路", "街", "大道")
VILLAGE_WORDS: Final = (
    "吴家营",
    "斗南",
    "大渔",
    "乌龙",
    "白龙潭",
    "石龙",
    "万溪冲",
    "大冲",
    "小古城",
    "王家营",
    "梁王",
    "洛羊",
    "郎家营",
    "高坡",
    "三岔",
    "可乐",
)
SHOP_WORDS: Final = (
    "惠民",
    "好运",
    "春城",
    "阿香",
    "邻里",
    "佳佳",
    "福来",
    "鑫源",
    "永兴",
    "金穗",
    "便民",
    "老街",
    "小城",
    "优选",
)
SHOPS: Final = (
    "{w}便利店",
    "{s}记米线",
    "{w}小吃店",
    "{w}大药房",
    "{w}理发店",
    "{w}水果店",
    "{w}五金店",
    "{s}记烧烤",
    "{w}洗衣店",
    "{w}快递驿站",
    "{w}面包坊",
    "{w}茶铺",
    "{w}烟酒店",
    "{s}家餐馆",
    "{w}超市",
    "{w}花店",
)
COMPANIES: Final = (
    "云南{w}科技有限公司",
    "昆明{w}商贸有限公司",
    "云南{w}文化传媒有限公司",
    "昆明{w}建筑工程有限公司",
    "昆明{w}会计服务有限公司",
    "云南{w}教育咨询有限公司",
    "昆明{w}物流有限公司",
    "云南{w}旅游服务有限公司",
)
COMPANY_WORDS: Final = (
    "云创",
    "滇峰",
    "博远",
    "恒信",
    "鼎盛",
    "嘉禾",
    "启航",
    "华川",
    "瑞祥",
    "森源",
    "正和",
    "卓越",
)
# Kunming: mostly Han, with Yi, Hui, Bai, Hani, Miao, Zhuang and Dai residents.
ETHNICITIES: Final = ("汉族", "彝族", "回族", "白族", "哈尼族", "苗族", "壮族", "傣族")
ETHNICITY_WEIGHTS: Final = (86.0, 5.5, 3.0, 2.0, 1.2, 1.0, 0.7, 0.6)
WORKPLACES: Final = (
    "{d}人民医院",
    "{d}人民政府",
    "云南大学",
    "云南师范大学",
    "昆明理工大学",
    "云南中医药大学",
    "斗南花卉市场",
    "昆明南站",
    "昆明地铁运营公司",
    "滇中银行",
    "{d}税务局",
    "{c}便民超市",
    "个体经营",
    "个体经营",
    "自由职业",
    "自由职业",
    "快递公司",
    "建筑公司",
)
UNIVERSITIES: Final = ("云南大学", "云南师范大学", "昆明理工大学", "云南中医药大学", "云南民族大学")


class NameGenerator:
    """Plausible Chinese full names: a common surname (more common ones more often) and one or
    two given-name characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def full_name(self) -> str:
        surname = self.rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        size = 1 if self.rng.random() < 0.3 else 2
        return surname + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(size))

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]

    def given_name(self) -> str:
        size = 1 if self.rng.random() < 0.3 else 2
        return "".join(self.rng.choice(GIVEN_CHARS) for _ in range(size))


def _street_name(index: int) -> str:
    """龙湖街道, then 云溪街道 … 长乐街道, 云溪东街道 …; names repeat after 200 streets (codes
    never do)."""
    if index == 0:
        return FIRST_STREET_NAME
    word = STREET_WORDS[(index - 1) % len(STREET_WORDS)]
    suffix = STREET_SUFFIXES[(index - 1) // len(STREET_WORDS) % len(STREET_SUFFIXES)]
    return f"{word}{suffix}街道"
