"""Factories shared by the store, service, rule and CLI tests (plain functions, no fixtures).

``full_household(spec)`` fills EVERY field of the form spec and every column of every
repeating table generically, by field type, so a field added to ``forms/household.toml``
is covered by the round-trip and rule tests without touching them.  Only the values that
must agree with each other (ID number, sex and birth date; one 户主; main vs other causes;
members who still count in the household; what the data-quality rules compare: schooling,
health, labour and work by age, 低保 type and money, income, land and road) are set by hand,
so a full household gives no finding at all.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from fupin_desktop.domain.household import HEAD, LEFT_HOUSEHOLD, TABLES, Household, Row
from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.domain.township import Township, Village
from fupin_desktop.formspec import FieldSpec, FormSpec
from fupin_desktop.store import Store, cipher

TOWNSHIP = {
    "code": "510822105",
    "name": "茶坝乡",
    "county": "青川县",
    "city": "广元市",
    "province": "四川省",
}
#: village name -> (quota, groups)
VILLAGES: dict[str, tuple[int | None, list[str]]] = {
    "炉场村": (95, ["一组", "二组"]),
    "兴龙村": (120, ["一组", "三组"]),
    "青新村": (None, ["四组"]),
}
ADDRESS = "510822"
#: Default members: a non-BMP name, a minority name with the middle dot, a plain one.
DEFAULT_NAMES = ("𠮷祥", "阿依古丽·买买提", "李小红")
#: (relation, sex, birth date) of the members full_household makes, head first.
PEOPLE = (
    (HEAD, "男", date(1968, 3, 15)),
    ("配偶", "女", date(1970, 8, 9)),
    ("之女", "女", date(2001, 11, 30)),
    ("之子", "男", date(2004, 5, 2)),
    ("之母", "女", date(1945, 1, 20)),
)
ROWS_PER_TABLE = 2
#: Registration year: at its standard time point (Dec 31) the members of seed 0 are 48, 46, 15,
#: 12 and 71 years old; each seed makes them ``seed % 30`` years older.
BASE_YEAR = 2016
#: (oldest age, 文化程度, 在校生状况) by age at the standard time point.
SCHOOLING = ((5, "学龄前儿童", "学前教育"), (11, "小学", "小学"), (14, "初中", "八年级"),
             (17, "高中", "高中二年级"), (22, "大专及以上", "大专及以上"), (200, "初中", "非在校生"))
#: Income parts (yuan) that agree with a 低保贫困户 with workers: wages, business with its cost,
#: 低保金 but no 五保金; the seed adds cents so households differ.
MONEY = {
    "wage_income": 3600, "business_income": 2400, "property_income": 120, "family_planning": 960,
    "dibao_money": 1800, "wubao_money": 0, "pension_money": 840, "eco_compensation": 300,
    "other_transfer": 200, "business_cost": 600,
}


#: The data key of the databases :func:`make_store` creates encrypted (tests/conftest.py runs some
#: modules twice: on plain files, then on encrypted ones -- ``[encrypted]`` in the test id).
TEST_KEY = bytes(range(32))
#: Whether :func:`make_store` creates encrypted databases now (set by the ``db_cipher`` fixture).
ENCRYPTED = {"on": os.environ.get("FUPIN_TEST_ENCRYPTED") == "1"}


def new_database_file(path: Path) -> Path:
    """Make the database about to be created at ``path`` an encrypted one when the test runs
    encrypted: its key unlocked in this process, a key file beside it (store/cipher.py)."""
    if ENCRYPTED["on"] and not path.exists():
        cipher.remember(path, TEST_KEY)
        cipher.write(path, {})
    return path


def make_store(tmp_path: Path, name: str = "township.db") -> Store:
    """A township database file in ``tmp_path`` with three villages and their groups."""
    store = Store(new_database_file(tmp_path / name))
    town = Township(
        **TOWNSHIP,
        villages=[Village(name=v, quota=q, groups=list(g)) for v, (q, g) in VILLAGES.items()],
    )
    store.townships.create(town, store.operator)
    return store


def village_groups() -> dict[str, list[str]]:
    """The ``RuleContext.villages`` map of the township make_store creates."""
    return {v: list(g) for v, (_, g) in VILLAGES.items()}


def person_id(birth: date, sex: str, seed: int, index: int) -> str:
    """A valid ID number, distinct per (seed, index), whose sex digit matches ``sex``."""
    seq = (seed * 20 + index * 2) % 998
    seq += 1 if sex == "男" else 2  # odd: 男, even: 女
    return make_id(ADDRESS, birth, seq)


class _Filler:
    """Valid, distinct, non-empty values by field type (a counter keeps them distinct)."""

    def __init__(self, spec: FormSpec, seed: int, village: str, group: str) -> None:
        self.spec = spec
        self.k = 1000 * seed
        self.village = village
        self.group = group

    def value(self, f: FieldSpec) -> Any:
        self.k += 1
        k = self.k
        t = f.type
        if f.source and f.source.startswith("township."):
            return TOWNSHIP[f.source.removeprefix("township.")]
        if t == "text":
            return _fit(f"{f.label}{k}", f)
        if t == "multiline":
            return _fit(f"{f.label}第一行{k}\n第二行", f)
        if t == "integer":
            lo = int(f.min) if f.min is not None else 0
            hi = int(f.max) if f.max is not None else lo + 1_000_000
            return lo + 1 + k % max(hi - lo - 1, 1)
        if t == "decimal":
            lo = int(f.min) if f.min is not None else 0
            hi = int(f.max) if f.max is not None else lo + 1_000_000
            whole = lo + 1 + k % max(hi - lo - 2, 1)
            frac = Decimal("0.37").quantize(Decimal(1).scaleb(-f.decimals), ROUND_DOWN)
            return Decimal(whole) + frac
        if t == "date":
            return date(2016, 1, 1) + timedelta(days=k % 3000)
        if t == "bool":
            return k % 2 == 1
        if t == "code":
            if f.codes == "@villages":
                return self.village
            if f.codes == "@groups":
                return self.group
            return self._labels(f)[k % len(self._labels(f))]
        if t == "multicode":
            labels = self._labels(f)
            return [labels[k % len(labels)], labels[(k + 1) % len(labels)]]
        if t == "id_number":
            return make_id(ADDRESS, date(1975, 1, 1) + timedelta(days=k * 37 % 9000), k % 1000)
        if t == "phone":
            return f"139{k:08d}"
        if t == "bank_account":
            return f"6217{k:015d}"
        if t == "derived":
            return None  # computed by Household.refresh_derived
        raise AssertionError(f"full_household does not know field type {t!r}: teach tests/helpers.py")

    def _labels(self, f: FieldSpec) -> list[str]:
        labels = self.spec.codes[f.codes].labels
        # The first item is what a form usually pre-selects: avoid it so a lost value shows.
        rest = [x for x in labels[1:] if x not in LEFT_HOUSEHOLD]
        return rest or labels


def _fit(text: str, f: FieldSpec) -> str:
    return text[-f.max_length:] if f.max_length else text


def full_household(
    spec: FormSpec,
    *,
    village: str = "炉场村",
    group: str = "一组",
    seed: int = 0,
    number: str | None = None,
    names: tuple[str, ...] = DEFAULT_NAMES,
) -> Household:
    """A household with every grid field and every table cell filled with a valid value."""
    filler = _Filler(spec, seed, village, group)
    hh = Household()
    for f in spec.grid_fields():
        if f.type != "derived":
            hh.fields[f.id] = filler.value(f)
    hh.fields["number"] = number or f"{TOWNSHIP['code']}{seed:07d}"
    hh.fields["year"] = BASE_YEAR
    main = hh.fields.get("main_cause")
    if main is not None:
        hh.fields["other_causes"] = [c for c in hh.fields.get("other_causes", []) if c != main]
    for table in TABLES:
        columns = spec.table(table).fields
        count = len(names) if table == "members" else ROWS_PER_TABLE
        for i in range(count):
            row = Row(fields={c.id: filler.value(c) for c in columns if c.type != "derived"})
            if table == "members":
                relation, sex, birth = PEOPLE[i % len(PEOPLE)]
                birth = birth.replace(year=birth.year - seed % 30)
                row.fields.update(
                    name=names[i], relation=relation, sex=sex, birth_date=birth,
                    id_type="居民身份证", id_number=person_id(birth, sex, seed, i),
                )
            hh.table(table).append(row)
    _agree(hh, seed)
    hh.refresh_derived(spec.derived_sources())
    return hh


def _agree(hh: Household, seed: int) -> None:
    """Set what the data-quality rules compare, so the household gives no finding."""
    cents = Decimal(seed % 100) / 100
    hh.fields.update(
        {k: Decimal(v) + (cents if v else 0) for k, v in MONEY.items()},
        household_type="低保户", exit_flag="已脱贫（享受政策）", main_cause="因病", other_causes=["缺技术", "缺资金"],
        farmland=Decimal("6.5") + seed % 4, forest=Decimal("20.37"), road_distance=Decimal("1.3"),
        irrigated=Decimal("3.5"), pasture=Decimal("12.5"), water_surface=Decimal("0.8"), orchard=Decimal("1.6"),
        housing_area=Decimal("96.5") + seed % 50, living_power=True, dilapidated=False,
        drinking_difficult=False, drinking_safe=True,
    )
    when = date(hh.fields["year"], 12, 31)
    for i, m in enumerate(hh.members):
        birth = m.get("birth_date")
        age = when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))
        education, school = next((e, s) for top, e, s in SCHOOLING if age <= top)
        ill = m.get("relation") == HEAD  # the head is ill: the household is poor 因病
        if m.get("change"):  # a 人员变更 that adds a member (a birth needs a mother: not these), dated in the year
            m.fields.update(change="嫁入" if i % 2 else "其他转入", change_date=date(when.year, 6, 1 + i))
        works = 16 <= age <= 65 and school == "非在校生"
        m.fields.update(
            education=education, school_status=school, health="长期慢性病" if ill else "健康",
            labor_skill="普通劳动力" if ill and works else "技能劳动力" if works else "无劳动力",
            work_status="县外省内务工" if works else "无", work_months=6 + i if works else 0,
        )
        if ill:
            m.fields["on_dibao"] = True
    hh.fields["wage_income"] = hh.fields["wage_income"] * len(hh.members)  # wages grow with the family
    old = [m for m in hh.members if when.year - m.get("birth_date").year
           - ((when.month, when.day) < (m.get("birth_date").month, m.get("birth_date").day)) >= 60]
    if not old:
        hh.fields["pension_money"] = Decimal(0)  # nobody 60+: no 养老金
    if all(m.get("work_status") == "无" for m in hh.members):
        hh.fields["wage_income"] = Decimal(0)  # nobody of working age: no wages


def grid_values(hh: Household, spec: FormSpec) -> dict[str, Any]:
    return {f.id: hh.fields.get(f.id) for f in spec.grid_fields()}


def table_values(hh: Household, spec: FormSpec) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Every cell of every table, with the row's UUID, in row order."""
    return {
        t.id: [(r.uuid, {c.id: r.get(c.id) for c in t.fields}) for r in hh.table(t.id)]
        for t in spec.tables()
    }


def raw_connection(path: str | Path) -> Any:
    """A connection of the test's own to a database file, with the driver and key the program
    uses for it (store/driver.py: SQLCipher for an encrypted file)."""
    from fupin_desktop.store import driver

    return driver.connect(path, key=cipher.key_for(path), cipher=cipher.is_encrypted(path))
