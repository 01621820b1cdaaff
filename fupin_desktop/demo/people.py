"""Demo people: names, families and member details of the generated households.

:class:`PeopleGenerator` holds the random stream and the run-wide uniqueness sets (ID, phone and
bank account numbers) and makes the members; :mod:`fupin_desktop.demo.households` builds the
household around them.  Pure Python, no Qt.
"""

from __future__ import annotations

import random
import uuid as uuid_mod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fupin_desktop.demo.township import ADDRESS_CODE, YEAR
from fupin_desktop.domain.idnumber import DISABILITY_CARD, make_disability_number, make_id
from fupin_desktop.domain.township import Village

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_ZERO = Decimal("0.00")

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


class PeopleGenerator:
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
        id_type, id_number = "居民身份证", self.id_number(birth, person.sex)
        if health == "残疾":  # a 残疾人证: 残疾类别 1-7 and 等级 1-4 from the ID's own digits (no extra draw)
            id_type = DISABILITY_CARD
            id_number = make_disability_number(id_number, int(id_number[14]) % 7 + 1, int(id_number[15]) % 4 + 1)
        person.fields = {
            "name": person.name,
            "sex": person.sex,
            "id_type": id_type,
            "id_number": id_number,
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
            "work_place": self.work_place(work) if work != "无" else None,
            "work_company": None,
            "is_soldier": False,
            "in_ncms": in_ncms,
            "in_pension": age >= 60 or (age >= 16 and not student and self.chance(0.85)),
            "in_critical": in_ncms and self.chance(0.97),
            "on_dibao": kind == "低保贫困户",
            "change": None,
        }
        if work != "无":
            place = person.fields["work_place"]
            trade = rng.choice(("建筑工程有限公司", "电子科技有限公司", "服装有限公司", "物流有限公司", "食品有限公司"))
            person.fields["work_company"] = f"{place.removeprefix('青川县')[:2]}某{trade}" if place != "茶坝乡" \
                else rng.choice(("茶坝乡茶叶专业合作社", "茶坝乡建筑队"))

    def work_place(self, work: str) -> str:
        """务工所在地 for a 务工状况 (the 务工企业名称 is drawn beside it in :meth:`fill_member`)."""
        places = {"乡（镇）内务工": ("茶坝乡",), "乡（镇）外县内务工": ("青川县乔庄镇", "青川县竹园镇"),
                  "县外省内务工": ("广元市利州区", "成都市双流区", "绵阳市涪城区"),
                  "省外务工": ("浙江省宁波市", "广东省东莞市", "江苏省苏州市", "新疆维吾尔自治区昌吉州")}
        return self.rng.choice(places[work])

    def schooling(self, age: int) -> tuple[str, str | None]:
        """文化程度 and 在校生状况 for an age at the standard time point."""
        if age < 3:
            return "学龄前儿童", "非在校生"  # the national system wants 在校生状况 for every member
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
