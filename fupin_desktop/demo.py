"""Demo data: the 茶坝乡 township of the seed document and realistic poor households.

``demo_township()`` gives the township with its 11 villages and the quotas the
county set (seed document); ``generate_households()`` makes households that are
internally consistent (valid unique ID numbers, sex and birth date as the ID
says, one 户主, plausible ages, schooling, health, labour, income around the
2015 poverty line, those above it 已脱贫（享受政策）, causes that match the members), so
the data-quality rules find no problem; ``build_demo()`` writes both into a store quickly.

Generation is pure and deterministic for a seed: the same seed gives equal
``Household`` objects, UUIDs included.  ``build_demo`` gives every saved record
a fresh UUID, since each is a new record of that store.

Pure Python, no Qt.
"""

from __future__ import annotations

import copy
import random
import uuid as uuid_mod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any

from fupin_desktop.domain.household import Household, Row, new_uuid
from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.domain.township import Township, Village

if TYPE_CHECKING:
    from fupin_desktop.store import Store

__all__ = [
    "ADDRESS_CODE",
    "BATCH_SIZE",
    "DEMO_TOWNSHIP",
    "POVERTY_LINE_2015",
    "REFERENCE_DATE",
    "build_demo",
    "demo_township",
    "generate_households",
]

#: GB/T 2260 code of 青川县, the address part of every generated ID number.
ADDRESS_CODE = "510822"
#: The registration year and its standard time point (ages are counted at this date).
YEAR = 2015
REFERENCE_DATE = date(YEAR, 12, 31)
POVERTY_LINE_2015 = Decimal(2855)
#: Households saved per transaction by :func:`build_demo`.
BATCH_SIZE = 500
#: The largest demo township (about the largest county has): more is refused, not half-built.
MAX_DEMO_HOUSEHOLDS = 200_000

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_ZERO = Decimal("0.00")

# ---------------------------------------------------------------- the township

_TOWNSHIP_CODE = "510822105"
#: (name, 贫困人口规模 in persons, 贫困村, number of groups), in the seed's order.
_VILLAGES: tuple[tuple[str, int, bool, int], ...] = (
    ("炉场村", 95, False, 6),
    ("兴龙村", 123, False, 7),
    ("青新村", 75, False, 5),
    ("双河村", 130, False, 8),
    ("月明村", 112, True, 7),
    ("寺坝村", 81, False, 5),
    ("青岭村", 69, False, 4),
    ("新坪村", 57, True, 4),
    ("石古村", 72, False, 5),
    ("太平村", 47, True, 4),
    ("三溪村", 46, False, 4),
)
_NUMERALS = "一二三四五六七八九十"


def _group_names(count: int) -> list[str]:
    return [f"{_NUMERALS[i]}组" for i in range(count)]


DEMO_TOWNSHIP = Township(
    code=_TOWNSHIP_CODE,
    name="茶坝乡",
    county="青川县",
    city="广元市",
    province="四川省",
    villages=[
        Village(name=name, quota=quota, is_poor=poor, code=f"{_TOWNSHIP_CODE}{i:03d}", groups=_group_names(n))
        for i, (name, quota, poor, n) in enumerate(_VILLAGES, start=1)
    ],
)


def demo_township() -> Township:
    """A fresh copy of :data:`DEMO_TOWNSHIP` (new UUIDs, no database ids) to hand to a store."""
    town = copy.deepcopy(DEMO_TOWNSHIP)
    town.uuid = new_uuid()
    for village in town.villages:
        village.uuid = new_uuid()
        village.id = None
        village.revision = 0
    town.revision = 0
    return town


# ---------------------------------------------------------------- vocabulary

_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 8), ("李", 8), ("张", 7), ("刘", 6), ("陈", 5), ("杨", 5), ("赵", 4), ("黄", 3),
    ("周", 3), ("吴", 3), ("何", 3), ("罗", 3), ("蒲", 4), ("苟", 4), ("母", 3), ("袁", 3),
    ("唐", 3), ("任", 2), ("向", 2), ("冯", 2), ("邓", 2), ("谢", 2), ("马", 2), ("敬", 1),
    ("景", 1), ("岳", 1), ("侯", 1), ("贾", 1), ("文", 1), ("付", 1),
)
_SURNAME_LIST = [s for s, _ in _SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in _SURNAMES]
_HUI_SURNAMES = ("马", "白", "丁", "马", "穆")

#: Common given names by generation (born before 1965, 1965-1989, 1990 on) and sex.  Rosters
#: repeat names a lot; a bounded vocabulary also keeps the store's cached pinyin lookups warm.
_GIVEN: dict[tuple[int, str], tuple[str, ...]] = {
    (0, "男"): tuple(
        "德明 国华 建国 明德 光明 福全 贵林 世华 文华 正才 学文 开明 永福 长林 树清 玉林 家富 金山"
        " 国富 成华 志明 德全 荣华 清明 元福 顺才 忠林 友明 银山 兴华 德 福 贵 全 林 华".split()
    ),
    (0, "女"): tuple(
        "秀英 桂兰 秀珍 玉兰 桂英 翠华 素芳 淑珍 凤英 秀兰 玉珍 琼华 菊英 碧珍 群英 桂芳 素珍 秀芳"
        " 玉华 莲英 芝兰 香兰 桂珍 素华 秀琼 英 兰 珍 芳 琼".split()
    ),
    (1, "男"): tuple(
        "建军 建华 志强 海波 春林 明军 志勇 云峰 建平 红军 国强 德勇 小龙 建林 永强 小平 志华 光辉"
        " 勇 强 伟 平 波 斌 刚 兵 东 军 海 涛 林 超 健".split()
    ),
    (1, "女"): tuple(
        "红梅 春燕 丽华 小琴 秀梅 春梅 海燕 丽娟 小红 晓燕 红英 雪梅 玉梅 琼芳 丽 霞 燕 萍 琴 敏 娟"
        " 静 艳 玲 莉 丹 英 芳 蓉".split()
    ),
    (2, "男"): tuple(
        "俊杰 文轩 浩然 子豪 子航 浩宇 宇航 俊豪 梓轩 家豪 明轩 志鹏 宇轩 天佑 思远 博文 浩 宇 杰"
        " 鑫 磊 鹏 博 川 凯 睿 涛 阳 翔 毅".split()
    ),
    (2, "女"): tuple(
        "欣怡 佳琪 雨欣 梦瑶 思雨 诗涵 晓雪 静怡 嘉怡 梓涵 欣悦 雨涵 紫涵 思琪 佳怡 婷婷 丹丹 小雨"
        " 若曦 雨婷 婷 雪 琳 悦 瑶 倩 璐 颖 雯".split()
    ),
}
#: Minority names written with the middle dot (U+00B7), as rosters have them.
_DOT_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("回族", "女"): ("阿依·木沙", "法图麦·马", "阿依莎·丁", "哈蒂彻·白"),
    ("回族", "男"): ("尔撒·木沙", "优素福·马", "伊布拉·白", "穆萨·丁"),
    ("藏族", "女"): ("次仁·卓玛", "格桑·拉姆", "央金·卓玛", "泽仁·拉措"),
    ("藏族", "男"): ("扎西·多吉", "达瓦·顿珠", "尼玛·次仁", "泽旺·扎西"),
}
#: A character outside the Basic Multilingual Plane (U+20BB7), a real 生僻字 in names.
RARE_CHAR = "\U00020bb7"

_HELPER_UNITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("茶坝乡人民政府", ("副乡长", "党委委员", "科员", "驻村工作队员", "第一书记")),
    ("青川县农业局", ("副局长", "农技员", "科员", "站长")),
    ("青川县教育局", ("股长", "科员", "督学")),
    ("青川县林业局", ("科员", "林业站站长", "技术员")),
    ("青川县卫生和计划生育局", ("科员", "股长")),
    ("青川县交通运输局", ("科员", "副局长")),
    ("青川县水务局", ("技术员", "科员")),
    ("青川县扶贫和移民工作局", ("股长", "科员", "副局长")),
    ("茶坝乡中心小学", ("教师", "副校长")),
    ("茶坝乡卫生院", ("医生", "副院长")),
    ("青川县农村信用合作联社", ("信贷员", "客户经理")),
)
_BANK = "青川县农村信用合作联社"

_CAUSE_NOTES: dict[str, tuple[str, ...]] = {
    "因病": ("家中有人长期患病，医疗费用支出大。", "家庭成员患病需长期服药，因病负债。"),
    "因残": ("家中有残疾人，缺乏劳动能力，需长期照料。", "家庭成员残疾，收入来源少。"),
    "因学": ("子女在校读书，教育支出较大。", "供子女上学负担重，收入不足。"),
    "因灾": ("2015年遭受暴雨洪灾，房屋和农作物受损。", "受地质灾害影响，生产资料损失较大。"),
    "缺土地": ("耕地少且分散，坡地多，产出低。", "人均耕地不足，种植收入有限。"),
    "缺水": ("居住地缺水，生产生活用水困难。", "无稳定水源，农田无法灌溉。"),
    "缺技术": ("缺乏种养殖技术，收入来源单一。", "无一技之长，外出务工收入低。"),
    "缺劳力": ("家中劳动力少，老人小孩多。", "主要劳动力年老体弱，无力发展生产。"),
    "缺资金": ("缺乏发展资金，无法扩大种养殖规模。", "想发展养殖但缺少启动资金。"),
    "交通条件落后": ("居住偏远，离村主干路远，出行和农产品销售不便。", "道路不通，产品运不出去。"),
    "自身发展动力不足": ("发展意愿不强，主要靠传统种植维持生活。", "思想观念保守，缺乏发展主动性。"),
}
_STUDENT_STATUSES = frozenset(
    {"小学", "七年级", "八年级", "九年级", "高中一年级", "高中二年级", "高中三年级",
     "中职一年级", "中职二年级", "中职三年级", "高职一年级", "高职二年级", "高职三年级", "大专及以上"}
)
_HIGH_GRADES = ("一", "二", "三")
_WORK_AWAY = (("乡（镇）内务工", 10), ("乡（镇）外县内务工", 20), ("县外省内务工", 35), ("省外务工", 35))


# ---------------------------------------------------------------- person and household drafts


@dataclass
class _Person:
    relation: str
    sex: str
    age: int
    surname: str = ""
    name: str = ""
    ethnicity: str = "汉族"
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class _HelperCadre:
    name: str
    work_unit: str
    position: str
    phone: str


class _Generator:
    """Holds the random stream and the run-wide uniqueness sets of one generation run."""

    def __init__(self, seed: int, villages: Sequence[Village]) -> None:
        self.rng = random.Random(seed)
        # UUIDs come from their own stream so that they never shift the data.
        self.uuid_rng = random.Random(f"fupin-demo-uuid-{seed}")
        self.villages = list(villages)
        if not self.villages:
            raise ValueError("generate_households needs at least one village")
        known = [v.quota for v in self.villages if v.quota]
        default = sum(known) / len(known) if known else 1
        self.village_weights = [v.quota or default for v in self.villages]
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self.accounts: set[str] = set()
        self.serials: dict[tuple[str, str], int] = {}
        self.cadres = {v.name: self._cadre_pool() for v in self.villages}

    # -- small helpers ---------------------------------------------------
    def uuid(self) -> str:
        return str(uuid_mod.UUID(int=self.uuid_rng.getrandbits(128), version=4))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weighted: Sequence[tuple[str, float]]) -> str:
        total = sum(w for _, w in weighted)
        x = self.rng.random() * total
        for value, weight in weighted:
            x -= weight
            if x < 0:
                return value
        return weighted[-1][0]

    def money(self, low: float, high: float) -> Decimal:
        return Decimal(str(round(self.rng.uniform(low, high), 2))).quantize(_CENT)

    def area(self, low: float, high: float) -> Decimal:
        return Decimal(str(round(self.rng.uniform(low, high), 1))).quantize(_TENTH)

    def surname(self) -> str:
        return self.rng.choices(_SURNAME_LIST, _SURNAME_WEIGHTS)[0]

    def given_name(self, sex: str, age: int) -> str:
        birth_year = YEAR - age
        generation = 0 if birth_year < 1965 else 1 if birth_year < 1990 else 2
        return self.rng.choice(_GIVEN[(generation, sex)])

    def mobile(self) -> str:
        while True:
            prefix = self.rng.choice(("13", "15", "18"))
            third = self.rng.choice("0123456789" if prefix != "15" else "012356789")
            number = prefix + third + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def bank_account(self) -> str:
        while True:
            number = "621457" + f"{self.rng.randrange(10**13):013d}"
            if number not in self.accounts:
                self.accounts.add(number)
                return number

    def id_number(self, birth: date, sex: str) -> str:
        male = sex == "男"
        while True:
            seq = self.rng.randrange(500) * 2 + (1 if male else 0)
            number = make_id(ADDRESS_CODE, birth, seq)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def birth_date(self, age: int) -> date:
        year = YEAR - age
        days = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
        return date(year, 1, 1) + timedelta(days=self.rng.randrange(days))

    def _cadre_pool(self) -> list[_HelperCadre]:
        pool: list[_HelperCadre] = []
        names: set[str] = set()
        while len(pool) < 12:
            sex = "男" if self.chance(0.65) else "女"
            name = self.surname() + self.given_name(sex, self.rng.randint(26, 55))
            if name in names:
                continue
            names.add(name)
            unit, positions = self.rng.choice(_HELPER_UNITS)
            pool.append(_HelperCadre(name, unit, self.rng.choice(positions), self.mobile()))
        return pool

    # -- household -------------------------------------------------------
    def household(self, index: int) -> Household:
        rng = self.rng
        village = self.villages[rng.choices(range(len(self.villages)), self.village_weights)[0]]
        groups = village.groups or ["一组"]
        group_index = rng.randrange(len(groups))
        group = groups[group_index]
        key = (village.name, group)
        self.serials[key] = self.serials.get(key, 0) + 1
        village_code = village.code if len(village.code) == 12 and village.code.isdigit() else (
            f"{_TOWNSHIP_CODE}{self.villages.index(village) + 1:03d}"
        )
        number = f"{village_code}{group_index + 1:03d}{self.serials[key]:04d}"

        dot_name = index % 500 == 7  # a minority member whose name has the middle dot
        rare_char = index % 500 == 13  # a head whose name has a character outside the BMP
        kind = "一般贫困户"
        if not dot_name:
            kind = self.pick((("一般贫困户", 75), ("低保贫困户", 22), ("五保贫困户", 3)))
        people = self.family(kind, dot_name)
        self.name_family(people, dot_name, rare_char, index)
        for person in people:
            self.fill_member(person, kind)
        members = [Row(fields=p.fields, uuid=self.uuid()) for p in people]

        hh = Household(members=members, uuid=self.uuid())
        f = hh.fields
        f.update(village=village.name, group=group, number=number, year=YEAR)
        f["phone"] = self.mobile() if self.chance(0.8) else None
        if self.chance(0.7):
            f["bank"], f["bank_account"] = _BANK, self.bank_account()
        else:
            f["bank"], f["bank_account"] = None, None
        children = [p for p in people if p.relation in ("之子", "之女")]
        f.update(
            standard="国家标准" if self.chance(0.95) else "省定标准",
            household_type=kind,
            exit_flag="未脱贫",
            military=self.chance(0.01),
            only_child=len(children) == 1,
            two_daughters=len(children) == 2 and all(c.relation == "之女" for c in children),
        )
        self.production_and_living(f)
        self.income(f, people, kind)
        self.causes(f, people, kind)
        hh.helpers = [self.helper(village, people)]
        hh.plans = self.plans(f)
        hh.measures = self.measures(f, people, kind)
        hh.results = self.results(f, people)
        hh.refresh_derived()
        if f["per_capita_income"] > POVERTY_LINE_2015:
            # above the line while 未脱贫 is a data-quality finding (rule I003)
            f["exit_flag"], f["exit_year"] = "已脱贫（享受政策）", YEAR
        return hh

    def family(self, kind: str, dot_name: bool) -> list[_Person]:
        """Relations, sexes and ages of the members (names and fields come later)."""
        rng = self.rng
        if kind == "五保贫困户":
            return [_Person("户主", "男" if self.chance(0.7) else "女", rng.randint(66, 90))]
        size = int(self.pick((("1", 8), ("2", 15), ("3", 22), ("4", 25), ("5", 17), ("6", 9), ("7", 4))))
        if dot_name:
            size = max(size, 2)
        head_sex = "男" if self.chance(0.85) else "女"
        if size == 1:
            return [_Person("户主", head_sex, rng.randint(45, 85))]
        three_generations = size >= 4 and not dot_name and self.chance(0.3)
        if three_generations:
            return self._three_generations(size, head_sex)
        with_spouse = dot_name or self.chance(0.85)
        slots = size - 1 - (1 if with_spouse else 0)
        parents = 0
        if slots >= 2 and self.chance(0.3):
            parents = 2 if slots >= 3 and self.chance(0.4) else 1
        elif slots >= 1 and self.chance(0.08):
            parents = 1
        if slots - parents > 4:
            parents = min(2, slots - 4)
        kids = slots - parents
        if parents:
            head_age = rng.randint(22, 60)
        elif kids:
            head_age = rng.randint(22, 62)
        else:
            head_age = rng.randint(24, 80)
        head = _Person("户主", head_sex, head_age)
        people = [head]
        ages = [head_age]
        if with_spouse:
            spouse = self._spouse_of(head)
            people.append(spouse)
            ages.append(spouse.age)
        people += self._children(ages, kids)
        for i in range(parents):
            sex = ("男", "女")[i] if parents == 2 else rng.choice(("男", "女"))
            age = head_age + rng.randint(20, min(40, 92 - head_age))
            people.append(_Person("之父" if sex == "男" else "之母", sex, age))
        return people

    def _spouse_of(self, person: _Person) -> _Person:
        sex = "女" if person.sex == "男" else "男"
        delta = self.rng.randint(-2, 6)
        age = person.age - delta if sex == "女" else person.age + delta
        return _Person("配偶", sex, max(age, 22 if sex == "男" else 20))

    def _children(self, parent_ages: list[int], count: int, relations: tuple[str, str] = ("之子", "之女"),
                  ) -> list[_Person]:
        """Children 18-40 years younger than every parent."""
        low = max(max(parent_ages) - 40, 0)
        high = min(parent_ages) - 18
        if high < low:  # cannot happen for the ages drawn here; keep the rule anyway
            high = low
        out = []
        for _ in range(count):
            sex = "男" if self.chance(0.52) else "女"
            out.append(_Person(relations[0] if sex == "男" else relations[1], sex, self.rng.randint(low, high)))
        out.sort(key=lambda p: -p.age)
        return out

    def _three_generations(self, size: int, head_sex: str) -> list[_Person]:
        rng = self.rng
        head = _Person("户主", head_sex, rng.randint(52, 72))
        people = [head]
        ages = [head.age]
        slots = size - 1
        if self.chance(0.85):
            spouse = self._spouse_of(head)
            people.append(spouse)
            ages.append(spouse.age)
            slots -= 1
        # A married son (with his wife) or a married daughter (with her husband) and their children.
        low = max(max(ages) - 40, 22)
        high = min(ages) - 18
        child_age = rng.randint(low, max(low, high))
        via_son = self.chance(0.8)
        if via_son:
            child = _Person("之子", "男", child_age)
            in_law = _Person("之儿媳", "女", max(20, child_age - rng.randint(-2, 5)))
            grand = ("之孙子", "之孙女")
        else:
            child = _Person("之女", "女", child_age)
            in_law = _Person("之女婿", "男", max(22, child_age + rng.randint(-2, 5)))
            grand = ("之外孙子", "之外孙女")
        people += [child, in_law]
        slots -= 2
        extra_child = 1 if slots >= 2 and self.chance(0.3) else 0
        grandchildren = slots - extra_child
        if grandchildren < 1:
            grandchildren, extra_child = slots, 0
        if extra_child:
            people += self._children(ages, 1)
        people += self._children([child.age, in_law.age], grandchildren, grand)
        return people

    def name_family(self, people: list[_Person], dot_name: bool, rare_char: bool, index: int) -> None:
        """Names and ethnicity: the head's line shares the head's surname, in-laws bring their own."""
        rng = self.rng
        head = people[0]
        if dot_name:
            ethnicity = "回族" if (index // 500) % 2 == 0 else "藏族"
        else:
            ethnicity = self.pick((("汉族", 94), ("回族", 2), ("藏族", 2.5), ("羌族", 1.5)))
        head.surname = rng.choice(_HUI_SURNAMES) if ethnicity == "回族" else self.surname()
        son_in_law = next((p for p in people if p.relation == "之女婿"), None)
        used: set[str] = set()
        for person in people:
            if person.relation in ("配偶", "之母", "之儿媳", "之女婿"):
                surname = self.surname()
                while surname == head.surname:
                    surname = self.surname()
                person.ethnicity = ethnicity if self.chance(0.6) else "汉族"
            else:
                person.ethnicity = ethnicity
                surname = head.surname
                if person.relation in ("之外孙子", "之外孙女") and son_in_law is not None:
                    surname = son_in_law.surname
            person.surname = surname
            name = surname + self.given_name(person.sex, person.age)
            while name in used:
                name = surname + self.given_name(person.sex, person.age)
            person.name = name
            used.add(name)
        if dot_name:
            spouse = next(p for p in people if p.relation == "配偶")
            spouse.ethnicity = ethnicity
            spouse.name = rng.choice(_DOT_NAMES[(ethnicity, spouse.sex)])
        if rare_char:
            name = head.surname + RARE_CHAR + rng.choice(_GIVEN[(1, head.sex)])[0]
            head.name = name if name not in used else head.surname + RARE_CHAR

    def fill_member(self, person: _Person, kind: str) -> None:
        """The member row: ID and what it implies, schooling, health, labour, work, insurance."""
        rng = self.rng
        age = person.age
        birth = self.birth_date(age)
        education, school = self.schooling(age)
        health = self.health(age)
        labor = self.labor(age, health)
        student = school in _STUDENT_STATUSES
        work, months = "无", (0 if age >= 16 else None)
        if 16 <= age <= 60 and labor in ("普通劳动力", "技能劳动力") and not student and self.chance(0.45):
            work = self.pick(_WORK_AWAY)
            months = rng.choices(range(1, 13), (1, 1, 2, 2, 3, 4, 5, 6, 6, 6, 5, 5))[0]
        if age >= 18 and self.chance(0.04 if person.sex == "男" else 0.01):
            political = "中共党员"
        elif 14 <= age <= 28 and self.chance(0.12):
            political = "共青团员"
        else:
            political = "群众"
        in_ncms = self.chance(0.97)
        person.fields = {
            "name": person.name,
            "sex": person.sex,
            "id_type": "居民身份证",
            "id_number": self.id_number(birth, person.sex),
            "birth_date": birth,
            "relation": person.relation,
            "ethnicity": person.ethnicity,
            "political": political,
            "education": education,
            "school_status": school,
            "health": health,
            "labor_skill": labor,
            "work_status": work,
            "work_months": months,
            "is_soldier": False,
            "in_ncms": in_ncms,
            "in_pension": age >= 60 or (age >= 16 and not student and self.chance(0.85)),
            "in_critical": in_ncms and self.chance(0.97),
            "on_dibao": kind == "低保贫困户",
            "change": None,
        }

    def schooling(self, age: int) -> tuple[str, str | None]:
        """文化程度 and 在校生状况 for an age at the standard time point."""
        if age < 3:
            return "学龄前儿童", None
        if age <= 6:
            return "学龄前儿童", "学前教育"
        if age <= 12:
            return "小学", "小学"
        if age <= 15:
            return "初中", ("七年级", "八年级", "九年级")[age - 13]
        if age <= 18:
            grade = _HIGH_GRADES[age - 16]
            track = self.pick((("高中", 75), ("中职", 12), ("辍学", 13)))
            if track == "辍学":
                return "初中", "非在校生"
            return "高中", f"{track}{grade}年级"
        if age <= 21 and self.chance(0.15):
            return "高中", f"高职{_HIGH_GRADES[age - 19]}年级" if self.chance(0.4) else "大专及以上"
        if age >= 65:
            edu = self.pick((("文盲或半文盲", 50), ("小学", 45), ("初中", 5)))
        elif age >= 45:
            edu = self.pick((("文盲或半文盲", 15), ("小学", 50), ("初中", 30), ("高中", 5)))
        else:
            edu = self.pick((("小学", 20), ("初中", 60), ("高中", 15), ("大专及以上", 5)))
        return edu, "非在校生"

    def health(self, age: int) -> str:
        if age < 16:
            weights = (("健康", 97), ("长期慢性病", 1), ("患有大病", 1), ("残疾", 1))
        elif age < 60:
            weights = (("健康", 85), ("长期慢性病", 8), ("患有大病", 4), ("残疾", 3))
        else:
            weights = (("健康", 55), ("长期慢性病", 30), ("患有大病", 8), ("残疾", 7))
        return self.pick(weights)

    def labor(self, age: int, health: str) -> str:
        if age < 16 or age > 65:
            return "无劳动力"
        if health == "健康":
            if age >= 60 and self.chance(0.4):
                return "弱劳动力或半劳动力"
            return "技能劳动力" if self.chance(0.12) else "普通劳动力"
        if health == "长期慢性病":
            return "弱劳动力或半劳动力" if self.chance(0.7) else "普通劳动力"
        if health == "患有大病":
            return "弱劳动力或半劳动力" if self.chance(0.5) else "丧失劳动力"
        return "丧失劳动力" if self.chance(0.5) else "弱劳动力或半劳动力"

    def production_and_living(self, f: dict[str, Any]) -> None:
        farmland = self.area(0.5, 6.0)
        irrigated = (farmland * Decimal(str(round(self.rng.uniform(0, 0.6), 2)))).quantize(_TENTH)
        difficult = self.chance(0.2)
        f.update(
            farmland=farmland,
            irrigated=min(irrigated, farmland),
            forest=self.area(0, 30),
            returned_forest=self.area(0, 3) if self.chance(0.4) else Decimal(0),
            orchard=self.area(0, 2) if self.chance(0.3) else Decimal(0),
            pasture=Decimal(0),
            water_surface=self.area(0, 0.5) if self.chance(0.03) else Decimal(0),
            production_power=self.chance(0.95),
            cooperative=self.chance(0.08),
            living_power=True,
            road_distance=self.area(0.1, 8.0),
            road_type=self.pick((("泥土路", 40), ("砂石路", 30), ("水泥路", 28), ("沥青路", 2))),
            housing_area=self.area(40, 160),
            dilapidated_grade=self.pick((("", 80), ("C级", 12), ("D级", 8))) or None,
            drinking_difficult=difficult,
            drinking_safe=self.chance(0.2) if difficult else self.chance(0.75),
            fuel=self.pick((("柴草", 85), ("煤炭", 5), ("清洁能源", 8), ("其他", 2))),
            toilet=self.chance(0.3),
            broadcast=True,
        )
        f["dilapidated"] = f["dilapidated_grade"] is not None

    def income(self, f: dict[str, Any], people: list[_Person], kind: str) -> None:
        """Income parts whose 年人均纯收入 spreads around the 2015 line."""
        rng = self.rng
        size = len(people)
        band = self.pick((("low", 5), ("main", 82), ("high", 13)))
        if band == "low":
            per_capita = rng.uniform(900, 1500)
        elif band == "main":
            per_capita = rng.triangular(1500, 3500, 2700)
        else:
            per_capita = rng.uniform(3500, 5200)
        target = Decimal(str(round(per_capita * size, 2)))
        elderly_insured = sum(1 for p in people if p.age >= 60 and p.fields["in_pension"])
        children = [p for p in people if p.relation in ("之子", "之女")]
        head = people[0]
        family_planning = _ZERO
        if (len(children) == 1 or f["two_daughters"]) and head.age >= 60:
            family_planning = Decimal(960 * (2 if any(p.relation == "配偶" for p in people) else 1)).quantize(_CENT)
        parts = {
            "family_planning": family_planning,
            "dibao_money": sum((self.money(600, 1400) for _ in people), _ZERO) if kind == "低保贫困户" else _ZERO,
            "wubao_money": self.money(2000, 2800) if kind == "五保贫困户" else _ZERO,
            "pension_money": sum((self.money(840, 1080) for _ in range(elderly_insured)), _ZERO),
            "eco_compensation": (f["forest"] * Decimal("14.75") + f["returned_forest"] * Decimal(125)).quantize(_CENT),
            "other_transfer": self.money(100, 600) if self.chance(0.2) else _ZERO,
        }
        transfer = sum(parts.values(), _ZERO)
        remaining = max(target - transfer, Decimal(150 * size))
        workers = [p for p in people if p.fields["work_status"] != "无"]
        wage = _ZERO
        if workers:
            wage = (remaining * Decimal(str(round(rng.uniform(0.4, 0.8), 2)))).quantize(_CENT)
        property_income = _ZERO
        if self.chance(0.1):
            property_income = min(self.money(50, 500), ((remaining - wage) / 2).quantize(_CENT))
        business_net = remaining - wage - property_income
        if business_net > 0:
            cost_share = Decimal(str(round(rng.uniform(0.15, 0.35), 2)))
            business = (business_net / (1 - cost_share)).quantize(_CENT, ROUND_HALF_UP)
            cost = business - business_net
        else:
            business, cost = _ZERO, _ZERO
        f.update(parts)
        f.update(wage_income=wage, business_income=business, property_income=property_income, business_cost=cost)

    def causes(self, f: dict[str, Any], people: list[_Person], kind: str) -> None:
        health = {p.fields["health"] for p in people}
        able = [p for p in people if p.fields["labor_skill"] in ("普通劳动力", "技能劳动力")]
        students = [p for p in people if p.fields["school_status"] in _STUDENT_STATUSES]
        candidates: list[tuple[str, float]] = []
        if health & {"长期慢性病", "患有大病"}:
            candidates.append(("因病", 40))
        if "残疾" in health:
            candidates.append(("因残", 30))
        if students:
            candidates.append(("因学", 12))
        if not able or len(able) * 3 < len(people):
            candidates.append(("缺劳力", 25))
        if f["farmland"] < Decimal("1.5"):
            candidates.append(("缺土地", 8))
        if f["drinking_difficult"]:
            candidates.append(("缺水", 5))
        if f["road_distance"] > Decimal(4):
            candidates.append(("交通条件落后", 8))
        candidates += [("缺技术", 15), ("缺资金", 18), ("自身发展动力不足", 5), ("因灾", 1)]
        main = "缺劳力" if kind == "五保贫困户" else self.pick(candidates)
        others: list[str] = []
        pool = [c for c in candidates if c[0] != main]
        for _ in range(self.rng.choice((0, 1, 1, 2))):
            if not pool:
                break
            choice = self.pick(pool)
            others.append(choice)
            pool = [c for c in pool if c[0] != choice]
        f["main_cause"] = main
        f["other_causes"] = others
        f["cause_note"] = self.rng.choice(_CAUSE_NOTES[main])

    def helper(self, village: Village, people: list[_Person]) -> Row:
        names = {p.name for p in people}
        pool = self.cadres[village.name]
        start = self.rng.randrange(len(pool))
        cadre = next(pool[(start + i) % len(pool)] for i in range(len(pool))
                     if pool[(start + i) % len(pool)].name not in names)
        return Row(
            fields={
                "name": cadre.name,
                "work_unit": cadre.work_unit,
                "position": cadre.position,
                "phone": cadre.phone,
                "id_number": None,
                "start_date": date(YEAR, 7, self.rng.randint(1, 31)),
                "end_date": None,
            },
            uuid=self.uuid(),
        )

    def plans(self, f: dict[str, Any]) -> list[Row]:
        items = {
            "因病": "协助办理慢性病门诊补助和大病救助",
            "因残": "办理残疾人证，申请残疾人生活补贴",
            "因学": "申请教育扶贫助学金",
            "缺劳力": "发展家庭小规模养殖",
            "缺技术": "参加种养殖实用技术培训",
            "缺资金": "申请扶贫小额信贷发展产业",
            "缺土地": "流转土地发展茶叶种植",
            "缺水": "建设蓄水池解决饮水问题",
            "交通条件落后": "修建入户便道",
            "自身发展动力不足": "开展感恩教育，引导发展生产",
            "因灾": "申请灾后重建补助",
        }
        rows = []
        count = self.rng.choice((1, 1, 2))
        for i in range(count):
            year = YEAR if i == 0 and self.chance(0.5) else YEAR + 1
            item = items[f["main_cause"]] if i == 0 else self.rng.choice(
                ("发展核桃种植2亩", "养殖生猪3头", "种植茶叶1亩", "推荐外出务工", "发展中蜂养殖5箱"))
            rows.append(Row(
                fields={
                    "year": year,
                    "goal": f"{YEAR + 1}年实现脱贫" if self.chance(0.6) else "年人均纯收入超过国家扶贫标准",
                    "item": item,
                    "due_date": date(year, self.rng.randint(9, 12), self.rng.randint(1, 28)),
                    "expected": f"户年增收{self.rng.choice((800, 1000, 1500, 2000, 3000))}元",
                },
                uuid=self.uuid(),
            ))
        return rows

    def measures(self, f: dict[str, Any], people: list[_Person], kind: str) -> list[Row]:
        catalogue: dict[str, tuple[str, tuple[int, int], str]] = {
            "产业发展": ("发放核桃苗、茶苗及化肥", (300, 2000), "财政专项扶贫资金"),
            "就业扶贫": ("组织参加劳务技能培训", (200, 800), "县人社局培训资金"),
            "易地扶贫搬迁": ("纳入易地扶贫搬迁计划", (10000, 30000), "易地扶贫搬迁资金"),
            "教育扶贫": ("落实学生资助政策", (500, 2000), "教育扶贫救助基金"),
            "健康扶贫": ("报销住院医疗费用", (500, 5000), "卫生扶贫救助基金"),
            "危房改造": ("实施农村危房改造", (8000, 20000), "农村危房改造补助资金"),
            "金融扶贫/小额信贷": ("发放扶贫小额信贷", (10000, 50000), "信用社贷款（财政贴息）"),
            "生态扶贫": ("发放公益林生态补偿", (100, 600), "生态补偿资金"),
            "社会保障兜底": ("落实低保、五保政策", (600, 3000), "民政资金"),
            "基础设施": ("修建入户便道和蓄水池", (1000, 5000), "财政专项扶贫资金"),
        }
        options: list[tuple[str, float]] = [("产业发展", 30), ("金融扶贫/小额信贷", 10), ("基础设施", 8)]
        if any(p.fields["labor_skill"] in ("普通劳动力", "技能劳动力") for p in people):
            options.append(("就业扶贫", 15))
        if any(p.fields["school_status"] in _STUDENT_STATUSES for p in people):
            options.append(("教育扶贫", 15))
        if any(p.fields["health"] in ("长期慢性病", "患有大病") for p in people):
            options.append(("健康扶贫", 20))
        if f["dilapidated"]:
            options.append(("危房改造", 25))
            if f["road_distance"] > Decimal(5):
                options.append(("易地扶贫搬迁", 10))
        if kind != "一般贫困户":
            options.append(("社会保障兜底", 30))
        if f["forest"] > 0:
            options.append(("生态扶贫", 5))
        rows = []
        for _ in range(self.rng.choice((1, 2, 2, 3))):
            if not options:
                break
            kind_ = self.pick(options)
            options = [o for o in options if o[0] != kind_]
            content, (low, high), source = catalogue[kind_]
            rows.append(Row(
                fields={
                    "type": kind_,
                    "date": date(YEAR, self.rng.randint(8, 12), self.rng.randint(1, 28)),
                    "content": content,
                    "amount": Decimal(self.rng.randrange(low, high + 1, 50)).quantize(_CENT),
                    "fund_source": source,
                },
                uuid=self.uuid(),
            ))
        return rows

    def results(self, f: dict[str, Any], people: list[_Person]) -> list[Row]:
        if not self.chance(0.4):
            return []
        net = sum((f[k] for k in ("wage_income", "business_income", "property_income", "family_planning",
                                  "dibao_money", "wubao_money", "pension_money", "eco_compensation",
                                  "other_transfer")), _ZERO) - f["business_cost"]
        per_capita = net / len(people)
        after = (per_capita * Decimal(str(round(self.rng.uniform(1.03, 1.2), 2)))).quantize(_CENT)
        return [Row(
            fields={"year": YEAR, "income_after": after, "two_no_three": "未实现", "exited": False, "note": None},
            uuid=self.uuid(),
        )]


def generate_households(n: int, seed: int = 1, villages: list[Village] | None = None) -> Iterator[Household]:
    """``n`` realistic, internally consistent households of the demo township (or ``villages``).

    Deterministic for a seed (UUIDs included) and touches nothing outside: ID
    numbers, phone and bank account numbers and 户编号 are unique within the run.
    Households are spread over the villages by their quota and over each
    village's groups; a village without groups gets "一组".
    """
    generator = _Generator(seed, villages if villages is not None else DEMO_TOWNSHIP.villages)
    for index in range(max(n, 0)):
        yield generator.household(index)


def build_demo(
    store: Store,
    households: int = 300,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Fill ``store`` with the demo township (unless it has one) and ``households`` households.

    Households are saved in batches of :data:`BATCH_SIZE`, each batch in one
    transaction; ``progress(done, total)`` is called after every batch and
    ``cancelled()`` is asked before every batch, so a cancel keeps the batches
    already committed.  Every saved record gets a fresh UUID.  Returns the
    number of households saved.
    """
    if not 0 <= households <= MAX_DEMO_HOUSEHOLDS:
        raise ValueError(f"示范户数应为 0-{MAX_DEMO_HOUSEHOLDS}")
    town = store.townships.get()
    if town is None:
        town = store.townships.create(demo_township(), store.operator)
    if households <= 0:
        return 0
    operator = store.operator
    stream = generate_households(households, seed, town.villages)
    done = 0
    while done < households:
        if cancelled is not None and cancelled():
            break
        batch = list(islice(stream, BATCH_SIZE))
        if not batch:
            break
        with store.db.transaction():
            for hh in batch:
                _fresh_uuids(hh)
                store.households.save(hh, operator, reload=False)
        done += len(batch)
        if progress is not None:
            progress(done, households)
    return done


def _fresh_uuids(hh: Household) -> None:
    hh.uuid = new_uuid()
    for table in ("members", "helpers", "plans", "measures", "results"):
        for row in hh.table(table):
            row.uuid = new_uuid()
