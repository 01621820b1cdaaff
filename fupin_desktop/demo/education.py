"""Demo students: the demo township's members in 高中 and above, with schools of every type.

Each student of the 2015-2016 school year (the seed's) gets a school by 在校生状况: 高中 → the
county's 中学, 中职 → the county's vocational school (the second one at a 技工学校 outside the
province), 高职 → a 职业技术学院, 大专及以上 → a university (本科, the first outside the province)
or a 高职 (专科).  The first 高中 student already gets 免学费 from the school; about half the
students are in the 第一批 and some in the 第二批.  Deterministic, and a second run adds nothing.
"""

from __future__ import annotations

from datetime import date

from fupin_desktop.rules import education as rules
from fupin_desktop.store import Store
from fupin_desktop.store.education import EducationRefused, EducationRepository, Student

YEAR = rules.SEED_SCHOOL_YEAR
FIRST_BATCH_DAY = date(2015, 10, 20)
SECOND_BATCH_DAY = date(2016, 4, 20)


def _school(student: Student, seen: dict[str, int]) -> tuple[str, str, bool, list[str]]:
    """(school, type, in the province, items received elsewhere) of the n-th student of a kind."""
    status = student.school_status
    kind = rules.STATUS_TYPES.get(status)
    n = seen[status[:2]] = seen.get(status[:2], 0) + 1
    if kind == rules.HIGH_SCHOOL:
        return "青川中学", kind, True, [rules.TUITION] if n == 1 else []
    if kind == rules.VOCATIONAL:
        if n == 2:
            return "西安市技工学校", rules.TECHNICAL, False, []
        return "青川县职业高级中学", kind, True, []
    if kind == rules.JUNIOR_COLLEGE:
        return "广元职业技术学院", kind, True, []
    if n % 2 == 1:
        return ("贵州大学", rules.BACHELOR, False, []) if n == 1 else ("四川大学", rules.BACHELOR, True, [])
    return "四川职业技术学院", rules.JUNIOR_COLLEGE, True, []


def add_students(store: Store) -> int:
    """Enter the demo's students and their applications; returns how many were entered."""
    repo = EducationRepository(store.db)
    policy = store.policy.get()
    seen: dict[str, int] = {}
    added = 0
    with store.db.transaction():
        for index, student in enumerate(repo.students(YEAR)):
            if student.enrolment is not None or student.school_type is None and student.school_status != "大专及以上":
                continue
            school, kind, inside, received = _school(student, seen)
            student = repo.enrol(student, school=school, school_type=kind, in_province=inside, received=received,
                                 operator=store.operator)
            documents = [key for key, _ in rules.checklist(inside)][: 2 + index % 3]
            student = repo.set_documents(student, documents, store.operator)
            added += 1
            if index % 3 == 2 or student.exit_flag == "已脱贫（不再享受政策）":
                continue  # not yet applied: the clerk tries it in the 教育资助 window
            day = FIRST_BATCH_DAY if index % 3 == 0 else SECOND_BATCH_DAY
            try:
                repo.apply(student, policy, batch=1 if day == FIRST_BATCH_DAY else 2, day=day, override=None,
                           operator=store.operator)
            except EducationRefused:
                continue  # a county profile without these batches: the students stay unapplied
    return added
