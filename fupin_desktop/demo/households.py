"""Demo households: one household drafted around its members, and the planted findings.

Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fupin_desktop.demo.people import _CENT, _STUDENT_STATUSES, _TENTH, _ZERO, PeopleGenerator, _Person
from fupin_desktop.demo.township import _TOWNSHIP_CODE, POVERTY_LINE_2015, YEAR
from fupin_desktop.domain.household import Household, Row
from fupin_desktop.domain.township import Village
from fupin_desktop.formspec import load_form

#: The planted data-quality findings (rule id -> why), see the module docstring.
PLANTED: dict[str, str] = {
    "C001": "主要致贫原因为因病，但全家成员都健康",
    "H004": "其他致贫原因与主要致贫原因重复",
    "I003": "年人均纯收入已高于扶贫标准，脱贫尚未验收，仍为未脱贫",
}
#: Written at the end of a planted household's 致贫原因说明, followed by the rule id.
PLANTED_MARK = "【示范数据：本户故意留有一处疑点，用于演示数据检查："
#: 贫困户属性 after exit (national check 57: exited households are 02 低保户, 03 五保户 or 05 一般农户).
_EXITED_TYPE = {"一般贫困户": "一般农户", "低保贫困户": "低保户", "五保贫困户": "五保户"}

_BANK = "青川县农村信用合作联社"
#: The household form's derived fields (the demo is made for the packaged form).
_DERIVED = load_form("household").derived_sources()

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


class HouseholdGenerator(PeopleGenerator):
    """A :class:`PeopleGenerator` that also drafts whole households (and places the planted cases)."""

    def __init__(self, seed: int, villages: Sequence[Village]) -> None:
        super().__init__(seed, villages)
        self.pending = list(PLANTED)  # planted cases not yet placed in a household

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
        # the national system wants a phone and a bank account for every household (blank-field checks)
        f["phone"] = self.mobile()
        f["bank"], f["bank_account"] = _BANK, self.bank_account()
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
        hh.refresh_derived(_DERIVED)
        above = f["per_capita_income"] > POVERTY_LINE_2015
        # the planted I003 household has a cause that may keep an income above the line (因病 ...)
        if above and not (f["main_cause"] in ("因病", "因学", "因残") and self.plant(hh, "I003")):
            self.exit(hh)  # above the line while 未脱贫 is a data-quality finding (rule I003)
        if all(m.get("health") == "健康" for m in members) and "因病" not in f["other_causes"]:
            self.plant(hh, "C001")
        if f["other_causes"]:
            self.plant(hh, "H004")
        return hh

    def exit(self, hh: Household) -> None:
        """已脱贫（享受政策） this year: the national after-exit 贫困户属性, and what exit requires
        (safe water, no 危房) as the 帮扶成效 row records it."""
        f = hh.fields
        f.update(exit_flag="已脱贫（享受政策）", exit_year=YEAR, household_type=_EXITED_TYPE[f["household_type"]],
                 dilapidated=False, dilapidated_grade=None, drinking_difficult=False, drinking_safe=True)
        for row in hh.results:
            row.fields.update(income_after=max(row.fields["income_after"], f["per_capita_income"]),
                              two_no_three="已实现", exited=True)

    def plant(self, hh: Household, rule: str) -> bool:
        """Give ``hh`` the planted case ``rule`` if it is still pending (one household per case)."""
        if rule not in self.pending or PLANTED_MARK in (hh.fields.get("cause_note") or ""):
            return False  # placed already, or this household has its one planted case
        self.pending.remove(rule)
        f = hh.fields
        if rule == "C001":
            f["main_cause"], f["cause_note"] = "因病", _CAUSE_NOTES["因病"][0]
        elif rule == "H004":
            f["other_causes"] = [f["main_cause"], *f["other_causes"][1:]]
        f["cause_note"] = f"{f['cause_note']}{PLANTED_MARK}{rule} {PLANTED[rule]}】"
        return True
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
            road_distance=self.area(0.1, 2.0),  # the national check asks about more than 2 km
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
            "wubao_money": self.money(600, 2200) if kind == "五保贫困户" else _ZERO,
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
            wage = max(wage, Decimal(100))  # under 100 yuan is a national check (a monthly figure typed?)
        property_income = _ZERO
        if self.chance(0.1):
            property_income = min(self.money(100, 500), ((remaining - wage) / 2).quantize(_CENT))
            if property_income < 100:  # under 100 yuan is a national check (a monthly figure typed?)
                property_income = _ZERO
        business_net = remaining - wage - property_income
        if business_net > 0:
            cost_share = Decimal(str(round(rng.uniform(0.15, 0.35), 2)))
            business = max((business_net / (1 - cost_share)).quantize(_CENT, ROUND_HALF_UP), Decimal(100))
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
        if f["road_distance"] > Decimal("1.5"):
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
            if f["road_distance"] > Decimal("1.8"):
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
