"""Every operation that writes returns the record of what it changed (store/changes.py).

No GUI here: each operation is driven for real on real database files, and what it returns is
what the GUI announces unchanged (tests/ui/test_changes.py shows a subscriber hearing it).
Together the operations below produce every kind of change there is.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fupin_desktop import services
from fupin_desktop.casework import core
from fupin_desktop.demo import build_demo
from fupin_desktop.excel.importer import import_file
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store, backups
from fupin_desktop.store.changes import Change, ChangeKind, Changes
from fupin_desktop.store.education import EducationRepository
from fupin_desktop.store.restore import restore
from fupin_desktop.store.village_view import save_form
from fupin_desktop.sync.county_import import import_files, resolve_conflict
from fupin_desktop.sync.feedback import import_feedback, write_feedback
from fupin_desktop.sync.keys import ensure_township_key, own_county_public, register_township, trust_county
from tests.excel import files
from tests.helpers import full_household
from tests.sync.world import OTHER, OTHER_VILLAGES, PASSPHRASE, World, export, make_township


def _change(result: Changes) -> Change:
    change = result.change
    assert change is not None
    return change


def test_each_write_returns_what_it_changed_and_together_every_kind(world: World, tmp_path: Path) -> None:
    town, county = world.town, world.county
    seen: list[Change] = []

    # Save (the one service the form and the command share).
    saved = services.save_household(town, full_household(town.spec, seed=11, village="炉场村"))
    seen.append(_change(saved))
    hid = saved.saved.id
    assert seen[-1].kind is ChangeKind.SAVE and seen[-1].households == {hid} and seen[-1].villages == {"炉场村"}

    # Education subsidies (教育资助): a member's school entered for a school year.
    education = EducationRepository(town.db)
    member = saved.saved.current_members[-1].get("id_number")
    seen.append(_change(education.enrol(education.student(member, "2015-2016"), school="绥阳中学",
                                        school_type="高中", in_province=True, operator="测试")))
    assert seen[-1].kind is ChangeKind.EDUCATION and seen[-1].households == {hid}

    # Delete and restore from the recycle bin.
    seen.append(town.households.delete(hid, "测试"))
    assert seen[-1].kind is ChangeKind.DELETE and seen[-1].households == {hid}
    assert seen[-1].villages == {"炉场村"} and seen[-1].household_rows
    seen.append(_change(town.recycle.restore(hid, "测试")))
    assert seen[-1].kind is ChangeKind.RESTORE and seen[-1].households == {hid}

    # Excel import: a dry run changes nothing, the commit says it reloads everything.
    roster = files.write_messy_roster(tmp_path / "花名册.xlsx")
    assert import_file(town, roster, dry_run=True).change is None
    run = import_file(town, roster)
    seen.append(_change(run))
    report, _plan = run  # still unpacks as before
    assert seen[-1].kind is ChangeKind.IMPORT and seen[-1].everything
    assert seen[-1].count == report.created + report.changed > 0

    # Policy (every household's findings may differ) and a setting.
    seen.append(town.policy.put(Policy(), "测试"))
    assert seen[-1].kind is ChangeKind.POLICY and seen[-1].rules
    seen.append(town.set_operator("王会计"))
    assert seen[-1].kind is ChangeKind.SETTINGS and seen[-1].settings == {"operator"}
    assert town.operator == "王会计"

    # The identification workflow: an application (issue 15).
    applied = core.apply(town, [hid], date(2016, 6, 1))
    seen.append(_change(applied))
    assert seen[-1].kind is ChangeKind.WORKFLOW and seen[-1].households == {hid} and seen[-1].household_rows

    # Sync: a batch out, imported at the county, a conflict resolved, feedback read back.
    exported = export(town, world.stick)
    seen.append(_change(exported))
    assert seen[-1].kind is ChangeKind.SYNC_EXPORT and not seen[-1].household_rows
    imported = import_files(county, [exported.batch], passphrase=PASSPHRASE)
    seen.append(_change(imported))
    assert seen[-1].kind is ChangeKind.SYNC_IMPORT and seen[-1].everything
    assert seen[-1].count == sum(r.status == "imported" for r in imported.value) == 1
    again = import_files(county, [exported.batch], passphrase=PASSPHRASE)  # already imported: nothing to reload
    assert not _change(again).household_rows

    uuid = town.households.get(world.saved["town"][0]).uuid
    at_county = county.households.get(county.households.id_for_uuid(uuid))
    at_county.fields["phone"] = "13711112222"
    county.households.save(at_county, "县里")
    at_town = town.households.get(world.saved["town"][0])
    at_town.fields["phone"] = "13633334444"
    town.households.save(at_town, "乡里")
    import_files(county, [export(town, world.stick).batch], passphrase=PASSPHRASE)
    [conflict] = county.sync.conflicts()
    seen.append(resolve_conflict(county, conflict["id"], "township"))
    assert seen[-1].kind is ChangeKind.SYNC_IMPORT and seen[-1].household_rows

    written = write_feedback(county, "510822105", world.stick, passphrase=PASSPHRASE)
    feedback = import_feedback(town, written.path)
    seen.append(feedback.change)
    assert seen[-1].kind is ChangeKind.SYNC_FEEDBACK and seen[-1].title
    assert feedback.value["batches"]  # the view the command prints is still there

    # Keys: trusting the same key again changes no setting; a new township's key does.
    assert not trust_county(town.sync, own_county_public(county.sync)).settings
    third = make_township(tmp_path / "third.db", {**OTHER, "code": "510822199", "name": "第三乡"}, OTHER_VILLAGES)
    try:
        seen.append(register_township(county.sync, ensure_township_key(third.sync, PASSPHRASE), "县里"))
        assert seen[-1].kind is ChangeKind.SETTINGS and seen[-1].settings == {"township_keys"}
    finally:
        third.close()

    # The demo fills a database in one go.
    demo = Store(tmp_path / "demo.db")
    try:
        built = build_demo(demo, households=5)
        seen.append(built.change)
        assert built.value == 5 and seen[-1].kind is ChangeKind.IMPORT and seen[-1].everything
        # A 贫困村登记表 saved (issue 17): the demo filled one for every village.
        form = demo.village_forms.for_year(2015)[int(demo.townships.village_by_name("月明村").id)]
        form.fields["leader"] = "新书记"
        seen.append(_change(save_form(demo, form)))
        assert seen[-1].kind is ChangeKind.VILLAGE_FORM and seen[-1].villages == {"月明村"}
    finally:
        demo.close()

    # A backup restore replaces everything (the title too).
    backup = backups.create(town.db).path
    result = restore(town.db, backup)
    seen.append(result.change)
    assert seen[-1].kind is ChangeKind.BACKUP_RESTORE and seen[-1].everything and seen[-1].title

    assert {c.kind for c in seen} == set(ChangeKind)
