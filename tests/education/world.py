"""A township file with students of every school type, for the education tests."""

from __future__ import annotations

from pathlib import Path

from fupin_desktop.store import Store
from tests.helpers import full_household, make_store

YEAR = "2015-2016"
#: name -> (household seed, 在校生状况); the 3rd and 4th member of each household study.
STUDENTS = {
    "张高中": (1, "高中二年级"), "张本科": (1, "大专及以上"),
    "李专科": (2, "高职一年级"), "李中职": (2, "中职二年级"),
    "王免费": (3, "高中三年级"), "王技工": (3, "非在校生"),
    "赵出列": (4, "高中一年级"), "赵小弟": (4, "小学"),
}


def school_world(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The file and each student's ID number; 赵 household is 已脱贫（不再享受政策）."""
    ids: dict[str, str] = {}
    with make_store(tmp_path) as store:
        for seed in (1, 2, 3, 4):
            names = [n for n, (s, _) in STUDENTS.items() if s == seed]
            surname = names[0][0]
            hh = full_household(store.spec, seed=seed, names=(f"{surname}父", f"{surname}母", *names),
                                village="炉场村" if seed < 3 else "兴龙村")
            for member in hh.members:
                name = member.get("name")
                member.fields["school_status"] = STUDENTS[name][1] if name in STUDENTS else "非在校生"
                if name in STUDENTS:
                    ids[name] = member.get("id_number")
            if seed == 4:
                hh.fields["exit_flag"] = "已脱贫（不再享受政策）"
                hh.fields["exit_year"] = 2015
            store.households.save(hh, "测试")
    return tmp_path / "township.db", ids


def open_store(path: Path) -> Store:
    return Store(path)
