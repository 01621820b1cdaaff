"""Demo 贫困村登记表: every village's form for the demo year, filled from its households.

Typed figures that the households hold are the households' own counts (whole-village figures
such as 残疾人口 add the villagers who are not registered), 月明村, 新坪村 and 太平村 (the seed's
poor villages) meet "一高一低一无" against the demo's reference figures, and one village, 青岭村
(:data:`MISMATCH`), has a 贫困户数 typed two more than its households hold, for rule V001 to show.
When the county's profile has no reference figures yet, the demo's are set (marked in the audit
trail as the demo's operator's change).
"""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fupin_desktop.domain.village import VillageForm
from fupin_desktop.rules.village_refs import VillageReference
from fupin_desktop.store import stats
from fupin_desktop.store.village_view import computed_for, default_year

if TYPE_CHECKING:
    from fupin_desktop.store import Store

#: The village whose typed 贫困户数 disagrees with its households, and by how much.
MISMATCH = ("青岭村", "poor_households", 2)
#: The demo's reference figures (a province's 2015 incidence in %, its average 农民人均纯收入).
REFERENCE = VillageReference(incidence=Decimal("8.0"), income=Decimal("10247"), basis="province")
LEADERS = ("王建国", "李德明", "张志强", "刘光荣", "陈国富", "杨正华", "赵永福", "黄文军", "周学林", "吴明华", "徐家贵")
INDUSTRIES = ("核桃、茶叶", "猕猴桃", "生猪养殖", "食用菌", "中药材", "茶叶、乡村旅游")


def build_village_forms(store: Store, seed: int = 1) -> int:
    """Save a form for every village of the demo year that has none; returns how many were saved."""
    year = default_year(store)
    rng = random.Random(seed * 7919 + year)
    counts = stats.village_counts(store.db, year)
    saved = 0
    with store.db.transaction():
        policy = store.policy.get()
        if not policy.village_references:
            store.policy.put(dataclasses.replace(policy, village_references={year: REFERENCE}), store.operator)
        for i, v in enumerate(store.townships.villages()):
            vid = int(v.id or 0)
            if store.village_forms.get(vid, year) is not None:
                continue
            fields = _fields(rng, i, v.name, v.is_poor, year, counts.get(vid, {}), len(v.groups))
            store.village_forms.save(VillageForm(village_id=vid, village=v.name, year=year, fields=fields), store.operator)
            saved += 1
    return saved


def _fields(rng: random.Random, i: int, name: str, poor: bool, year: int, c: dict[str, int], groups: int) -> dict[str, Any]:
    computed = computed_for(c)
    others = rng.randint(150, 260) if poor else rng.randint(90, 170)  # households not registered
    households = c.get("households", 0) + others
    population = c.get("persons", 0) + others * 3 + rng.randint(0, 40)
    twice = 2 * float(REFERENCE.incidence or 1)
    if poor:  # 一高: the incidence at least twice the reference; elsewhere well below
        population = min(population, int(c.get("poor_persons", 0) * 100 / twice) - 1)
    else:
        population = max(population, int(c.get("poor_persons", 0) * 100 / (twice * 0.8)))
    households = max(households, population // 4)
    f: dict[str, Any] = {
        **computed,
        "year": year, "village_type": "贫困村" if poor else "非贫困村", "terrain": "山区",
        "leader": LEADERS[i % len(LEADERS)], "leader_title": "村党支部书记", "leader_phone": f"139{rng.randint(10**7, 10**8 - 1)}",
        "party_members": rng.randint(12, 40), "college_officials": rng.randint(0, 1),
        "natural_villages": rng.randint(2, 6), "groups": max(groups, 1),
        "total_households": max(households, c.get("households", 0)), "total_population": population,
        "per_capita_income": Decimal(rng.randint(4200, 5400) if poor else rng.randint(6500, 9800)),
        "collective_income": Decimal(0) if poor else Decimal(rng.randint(2, 30)) / 2,
        "main_industry": INDUSTRIES[i % len(INDUSTRIES)], "cooperatives": rng.randint(0, 4),
        "rural_tourism": i % 4 == 0, "road_paved": not poor or i % 2 == 0,
        "township_distance": Decimal(rng.randint(15, 180)) / 10, "bus": not poor,
        "unroaded_villages": rng.randint(1, 2) if poor else 0,
        "road_needed_km": Decimal(rng.randint(20, 120)) / 10 if poor else Decimal(0),
        "production_power": True, "unpowered_villages": 0, "broadcast": True, "broadband": not poor,
        "broadband_households": 0 if poor else rng.randint(20, 90), "mobile_internet": True, "info_officer": not poor,
        "farmland": Decimal(rng.randint(1200, 3800)), "forest": Decimal(rng.randint(4000, 16000)),
        "clinic": True, "doctors": rng.randint(1, 2), "garbage_points": rng.randint(1, 5),
        "public_toilets": rng.randint(0, 3), "culture_room": not poor, "primary_school": i % 3 == 0,
        "kindergarten": False,
        "support_unit": "县扶贫开发局" if poor else "", "support_affiliation": "县" if poor else None,
        "work_team": 3 if poor else 0, "first_secretary": "罗建平" if poor else "",
        "projects": rng.randint(2, 6) if poor else 0,
        "project_funds": Decimal(rng.randint(30, 200)) if poor else Decimal(0),
    }
    f["irrigated"] = (f["farmland"] * Decimal("0.4")).quantize(Decimal(1))
    for key in ("minority_population", "women", "disabled", "labour", "migrant", "ncms_persons", "pension_persons"):
        f[key] = computed[key] + (others * (3 if key in ("women", "labour", "ncms_persons") else 1) // 2 if key != "minority_population" else 0)
    for key in ("drinking_difficult_households", "drinking_unsafe_households", "dilapidated_households", "no_power_households"):
        f[key] = computed[key] + (rng.randint(0, 5) if key != "no_power_households" else 0)
    if name == MISMATCH[0]:
        f[MISMATCH[1]] = computed[MISMATCH[1]] + MISMATCH[2]
        f["note"] = f"【示范数据：贫困户数故意比本村建档立卡户多填 {MISMATCH[2]} 户，用于演示数据检查：V001】"
    return {k: v for k, v in f.items() if v not in (None, "")}
