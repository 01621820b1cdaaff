"""The write paths added after the roles (years, village forms, education, the half-year review,
publicity rounds, quotas, exits, the county's feedback) ask the same permissions table: each role
tries each one; allowed ones go through, the others are refused with the roles that may, nothing
changed, the refusal in the audit trail; nobody logged in is refused too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from fupin_desktop.casework import exits, publicity, quotas
from fupin_desktop.casework.core import CaseError
from fupin_desktop.domain.roles import Action, UserRole, may, who_may
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store, review, years
from fupin_desktop.store.access import NotLoggedIn, PermissionDenied
from fupin_desktop.store.database import StoreError
from fupin_desktop.store.education import EducationRepository
from fupin_desktop.store.village_view import find_village, form_or_blank
from fupin_desktop.sync.feedback import import_feedback
from fupin_desktop.sync.format import SyncError
from tests.education.world import YEAR, school_world
from tests.users.world import BY_ROLE, add_users, logged_in

D = date(2016, 6, 13)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path, ids = school_world(tmp_path_factory.mktemp("school"))
    with Store(path) as store:
        add_users(store)
    return path, ids


@pytest.fixture
def world(template: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh copy of the template (by SQLite's backup API) for each try."""
    target = tmp_path / "township.db"
    src, dst = sqlite3.connect(template[0]), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target, template[1]


def _student(s: Store, ids: dict[str, str]) -> tuple[EducationRepository, object]:
    repo = EducationRepository(s.db)
    return repo, repo.student(ids["张高中"], YEAR)


def _enrol(s: Store, ids: dict[str, str], t: Path) -> object:
    repo, student = _student(s, ids)
    return repo.enrol(student, school="绥阳中学", school_type="高中", in_province=True,  # type: ignore[arg-type]
                      operator=s.operator)


def _late(s: Store, ids: dict[str, str], t: Path) -> object:
    repo, student = _student(s, ids)  # (its school entered first: PREPARE)
    return repo.apply(student, Policy(), batch=1, day=D, override="补报：学校证明晚到",  # type: ignore[arg-type]
                      operator=s.operator)


def _village_form(s: Store, ids: dict[str, str], t: Path) -> object:
    form = form_or_blank(s, find_village(s, "炉场村"), 2016)
    return s.village_forms.save(form, s.operator)


def _feedback(s: Store, ids: dict[str, str], t: Path) -> object:
    (t / "feedback.fpfb").write_bytes(b"not a feedback file")
    return import_feedback(s, t / "feedback.fpfb")


def _first_uuid(s: Store) -> str:
    hh = s.households.get(s.households.ids()[0])
    assert hh is not None
    return hh.uuid


#: (what, the action it needs, how to do it)
TRIES: dict[str, tuple[Action, Callable[[Store, dict[str, str], Path], object]]] = {
    "carry_over": (Action.CARRY_OVER, lambda s, ids, t: years.carry_over_safely(
        s.db, years.live_year(s.db) + 1, s.operator)),
    "village_form": (Action.EDIT_VILLAGE, _village_form),
    "education_enrol": (Action.EDUCATION, _enrol),
    "education_late_override": (Action.DECIDE, _late),
    "review_mark": (Action.DECIDE, lambda s, ids, t: review.mark_reviewed(
        s.db, _first_uuid(s), "已入户核实", s.operator)),
    "publicity_round": (Action.DECIDE, lambda s, ids, t: publicity.open_round(s, D, village="炉场村")),
    "quota": (Action.DECIDE, lambda s, ids, t: quotas.set_quota(s, 5, year=2016, village="炉场村")),
    "exit": (Action.DECIDE, lambda s, ids, t: exits.start_exit(s, [s.households.ids()[0]], D, D)),
    "feedback_import": (Action.SYNC, _feedback),
}
#: what is done first, by the same user (every role may enter a student's school)
PREPARE: dict[str, Callable[[Store, dict[str, str], Path], object]] = {"education_late_override": _enrol}
#: Allowed, the action may still stop for its own reason (a late application refused, no county key).
OWN_REFUSALS = (SyncError, CaseError, StoreError)


def _counts(store: Store) -> tuple[int, int]:
    rows = store.db.query("SELECT kind FROM audit")
    return sum(r[0] == "refused" for r in rows), sum(r[0] not in ("refused", "login") for r in rows)


@pytest.mark.parametrize("role", list(UserRole), ids=[r.name for r in UserRole])
@pytest.mark.parametrize("what", list(TRIES))
def test_every_role_tries_every_newer_write(world: tuple[Path, dict[str, str]], tmp_path: Path, role: UserRole,
                                           what: str) -> None:
    path, ids = world
    action, attempt = TRIES[what]
    work = tmp_path / "work"
    work.mkdir()
    store = logged_in(path, role)
    try:
        if what in PREPARE:
            PREPARE[what](store, ids, work)
        refused_before, done_before = _counts(store)
        if may(role, action):
            try:
                attempt(store, ids, work)
            except PermissionDenied:
                raise
            except OWN_REFUSALS:
                pass
            assert _counts(store)[0] == refused_before
            return
        dump_before = [line for line in store.db.conn.iterdump() if 'INTO "audit"' not in line]
        with pytest.raises(PermissionDenied) as refused:
            attempt(store, ids, work)
        message = str(refused.value)
        assert BY_ROLE[role] in message and who_may(action) in message and "数据未作改动" in message
        refused_after, done_after = _counts(store)
        assert (refused_after, done_after) == (refused_before + 1, done_before)
        row = store.db.one("SELECT operator, field FROM audit WHERE kind = 'refused' ORDER BY id DESC LIMIT 1")
        assert (row[0], row[1]) == (BY_ROLE[role], action.name)
        # nothing but the refusal's audit row was written, and no backup made
        assert [line for line in store.db.conn.iterdump() if 'INTO "audit"' not in line] == dump_before
        assert not (path.parent / "backups").exists() or not any((path.parent / "backups").iterdir())
    finally:
        store.close()


@pytest.mark.parametrize("what", ["carry_over", "village_form", "education_enrol", "review_mark", "quota"])
def test_nobody_logged_in_is_refused(world: tuple[Path, dict[str, str]], tmp_path: Path, what: str) -> None:
    path, ids = world
    store = Store(path)
    try:
        with pytest.raises(NotLoggedIn, match="登录"):
            TRIES[what][1](store, ids, tmp_path)
    finally:
        store.close()


def test_a_review_mark_leaves_an_audit_row_naming_the_reviewer(world: tuple[Path, dict[str, str]]) -> None:
    path, _ids = world
    store = logged_in(path, UserRole.REVIEWER)
    try:
        uuid = _first_uuid(store)
        review.mark_reviewed(store.db, uuid, "已入户核实", store.operator, period="2016H1")
        review.mark_reviewed(store.db, uuid, "下半年办理脱贫", store.operator, period="2016H1")
        rows = store.db.query("SELECT operator, action, old, new FROM audit WHERE entity = 'review_marks' ORDER BY id")
        assert [(r[0], r[1]) for r in rows] == [(BY_ROLE[UserRole.REVIEWER], "create"),
                                               (BY_ROLE[UserRole.REVIEWER], "update")]
        assert "已入户核实" in rows[1][2] and "下半年办理脱贫" in rows[1][3]
    finally:
        store.close()
