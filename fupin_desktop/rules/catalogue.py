"""The national 疑点 checks of NATIONAL.md §3 and the rules that make each one.

A check is named by its §3 group and its place in that group's list (``身份 3``: the third
Identity check).  ``fupin rules --json`` gives each rule the checks it answers (``national``),
and forms/README.md carries the same table (a test keeps the two in step).  A check with no
rule id is not covered yet (the reason says why).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NationalCheck:
    group: str  # the §3 group, in Chinese
    number: int  # its place in the group's list, from 1
    text: str  # what the national system flags
    rules: tuple[str, ...]  # the rule ids that make the check
    note: str = ""  # when not (fully) covered: why

    @property
    def ref(self) -> str:
        return f"{self.group} {self.number}"


def _group(name: str, *items: tuple[str, tuple[str, ...]] | tuple[str, tuple[str, ...], str]) -> list[NationalCheck]:
    return [NationalCheck(name, n, item[0], item[1], item[2] if len(item) > 2 else "")
            for n, item in enumerate(items, start=1)]


CHECKS: tuple[NationalCheck, ...] = (
    *_group(
        "空项",
        ("贫困户属性、军烈属、主要致贫原因未填", ("F001",)),
        ("性别、与户主关系、民族、健康状况未填", ("F001",)),
        ("政治面貌、大病保险、现役军人、享受低保未填（每位成员）", ("B001",)),
        ("非在校生的文化程度未填", ("R001",)),
        ("在校生状况未填（每位成员）", ("R002", "B001")),
        ("劳动技能未填（每位成员）", ("R003", "B001")),
        ("工资性、生产经营性、财产性收入未填或不足 100 元", ("B002",)),
        ("低保金、五保金、养老金、其他转移性收入未填", ("B002",)),
        ("土地面积未填", ("R004",)),
        ("用电、入户路、住房、饮水、燃料、合作社、卫生厕所未填", ("F001",)),
        ("户联系电话、银行账号、开户银行未填", ("B003",)),
        ("危房户未填危房等级", ("B004",)),
    ),
    *_group(
        "身份",
        ("证件号码既不是18位也不是20位", ("F001",)),
        ("证件类型与号码位数不符", ("K001",)),
        ("残疾成员无残疾人证号码", ("K003",)),
        ("持残疾人证的成员健康状况为健康", ("K004",)),
        ("占位号码（连续的9）", ("F001",)),
        ("出生日期与证件号码不符", ("H002",)),
        ("性别与证件号码不符", ("H002",)),
        ("性别与与户主关系不符", ("L002",)),
        ("没有户主或多位户主", ("H001",)),
        ("多位配偶", ("K005",)),
        ("户主与配偶性别相同", ("L001",)),
        ("一人在两户", ("X001", "X006")),
        ("家庭人口超过 7 人", ("K006",)),
    ),
    *_group(
        "范围",
        ("人均纯收入低于 500 元或高于 30000 元", ("G001", "I002")),
        ("户耕地超过 10 亩、林地超过 50 亩", ("G002", "L003")),
        ("牧草地、水面、林果超过 50 亩", ("G002",)),
        ("住房面积超过 500 平方米", ("G003",)),
        ("与村主干路距离超过 2 公里", ("L004",)),
        ("务工时间超过 12 个月", ("F001",)),
        ("有效灌溉面积大于耕地面积", ("G004",)),
        ("户联系电话不是11位", ("T001",)),
    ),
    *_group(
        "致贫原因",
        ("其他致贫原因超过两项", ("C004",)),
        ("其他致贫原因与主要致贫原因重复", ("H004",)),
        ("因病致贫但全家健康", ("C001",)),
        ("因学致贫但无在校生", ("C002",)),
        ("因残致贫但无残疾成员", ("C003",)),
        ("未脱贫户缺劳力但有 3 个及以上劳动力", ("C005",)),
        ("一般贫困户收入超过标准且主要原因非因病因学因残", ("C006",)),
    ),
    *_group(
        "务工",
        ("有工资性收入但无务工时间", ("W004", "W003")),
        ("有务工时间但无工资性收入", ("W004",)),
        ("有务工时间但无务工所在地或务工企业名称", ("W005",)),
        ("无劳动能力的成员在务工", ("W006",)),
        ("未满 16 岁有劳动能力", ("W007",)),
        ("16-65 岁健康成员无劳动能力", ("W001",)),
        ("健康成员丧失劳动力", ("W008",)),
        ("65 岁以上有劳动能力但无务工和经营收入", ("W009",)),
    ),
    *_group(
        "上学",
        ("在校生超过 30 岁", ("P001",)),
        ("6-14 岁健康儿童未在校（控辍保学）", ("P002",)),
        ("不满 14 岁在读高中及以上", ("L005",)),
        ("超过 16 岁在读小学及以下", ("L006",)),
        ("文化程度与在校生状况同时填或同时空（2021年起）", ("P003",)),
    ),
    *_group(
        "社会保障",
        ("低保户无人享受低保", ("D001",)),
        ("低保户无低保金或不足 100 元", ("D004", "D005")),
        ("五保户无五保金或不足 100 元", ("D004", "D005")),
        ("五保户有 16-59 岁劳动力", ("D002",)),
        ("低保金与五保金同时领取", ("D003",)),
        ("非低保户领取低保金", ("D006",)),
        ("非五保户领取五保金", ("D004",)),
        ("一般贫困户享受低保", ("D006",)),
        ("60 岁以上无养老金，或有养老金但无 60 岁以上成员", ("D008",)),
        ("养老金不足 70 元", ("D008",)),
    ),
    *_group(
        "脱贫状态",
        ("贫困户属性与脱贫状态不符", ("Z001",)),
        ("未脱贫户人均纯收入超过 20000 元", ("Z002",)),
        ("已脱贫户收入低于当年扶贫标准", ("Z003",)),
        ("已脱贫户住危房、饮水困难或不安全、未通电、住房不足 10 平方米", ("Z003",)),
    ),
    *_group(
        "医疗保险",
        ("新农合与城镇职工医保同时为是或同时为否（2019年起）", ("M001",)),
    ),
)


def national_refs(rule_id: str) -> list[str]:
    """The national checks a rule makes (``["身份 3", …]``), in §3 order."""
    return [c.ref for c in CHECKS if rule_id in c.rules]


def markdown_table() -> str:
    """The catalogue as the Markdown table of forms/README.md."""
    lines = ["| 国家核查 | 内容 | 规则 |", "|---|---|---|"]
    for c in CHECKS:
        rules = "、".join(c.rules) or "未覆盖"
        note = f"（{c.note}）" if c.note else ""
        lines.append(f"| {c.ref} | {c.text} | {rules}{note} |")
    return "\n".join(lines)
