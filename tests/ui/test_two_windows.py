"""Two windows, one file (issue 11, item 3): a save over a household that moved elsewhere is
refused with a message naming what changed, by whom and when (local time); the clerk's typing
is kept as a draft and 重新载入 puts the clerk's own changes back on top of the other side's.

Real widgets over real connections to one SQLite file: two main windows (two Store connections,
as two GUIs have), and a separate process that saves through the store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from fupin_desktop.store import Store, conflicts
from fupin_desktop.ui import conflict
from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.ui.test_household_editor import activate

ROOT = Path(__file__).resolve().parents[2]

#: Another program (another computer's GUI, an import, a command) changes the phone number.
OTHER_PROCESS = r"""
import sys
from fupin_desktop.store import Store
with Store(sys.argv[1]) as store:
    store.set_operator("县里老王")
    hh = store.households.get(int(sys.argv[2]))
    hh.fields["phone"] = "13700000003"
    hh.members[-1].fields["name"] = "赵改名"
    store.households.save(hh, store.operator)
"""


class Boxes:
    """Answers the refusal box with the given buttons in turn; records what it said."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[str] = []
        self.shown: list[tuple[str, str, str, list[str]]] = []
        boxes = self

        def exec_(box: QMessageBox) -> int:
            boxes.shown.append((box.windowTitle(), box.text(), box.informativeText(),
                                [b.text() for b in box.buttons()]))
            wanted = boxes.answers.pop(0)
            boxes._clicked = next(b for b in box.buttons() if b.text() == wanted)
            return 0

        monkeypatch.setattr(QMessageBox, "exec", exec_)
        monkeypatch.setattr(QMessageBox, "clickedButton", lambda _box: boxes._clicked)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    return Boxes(monkeypatch)


def retype(qtbot, clerk, editor, field_id: str, text: str) -> None:
    """Select the field's text and type over it, as a clerk does, then move on."""
    activate(qtbot, editor)
    widget = editor.form.editors[field_id]
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    clerk.shortcut("Ctrl+A")
    clerk.type(text)
    clerk.press(Qt.Key.Key_Tab)


def saved_household(store: Store) -> int:
    hh = store.households.save(full_household(store.spec, seed=5), store.operator)
    return int(hh.id)


def test_two_windows_on_one_file_never_lose_an_edit(qtbot, store, clerk, dialogs, boxes) -> None:
    household_id = saved_household(store)
    store.set_operator("张会计")
    other = Store(store.path)  # the second GUI's own connection
    other.set_operator("李文书")
    try:
        first, second = MainWindow(store), MainWindow(other)
        for w in (first, second):
            qtbot.addWidget(w)
            w.show()
        mine = first.open_household(household_id)
        theirs = second.open_household(household_id)

        retype(qtbot, clerk, theirs, "phone", "13900000002")
        clerk.shortcut("Ctrl+S")
        assert not theirs.dirty and store.households.get(household_id).fields["phone"] == "13900000002"

        retype(qtbot, clerk, mine, "phone", "13800000001")
        retype(qtbot, clerk, mine, "bank", "青川农商银行")
        boxes.answers = [conflict.STAY]
        clerk.shortcut("Ctrl+S")

        # Refused: the message names the field, the other clerk and the local time of their save.
        [(title, text, informative, buttons)] = boxes.shown
        at = store.households.get(household_id).updated_at
        assert title == "这一户已在别处被修改"
        assert "联系电话" in text and "李文书" in text and conflicts.local_time(at) in text
        assert "开户银行" not in text  # what the other side did not change is not named
        assert "草稿保留" in informative and buttons == [conflict.RELOAD, conflict.STAY]
        stored = store.households.get(household_id)
        assert stored.fields["phone"] == "13900000002" and stored.fields["bank"] != "青川农商银行"
        draft = store.drafts.get(mine.household.uuid)
        assert draft is not None and draft.payload["values"]["household"]["phone"] == "13800000001"
        assert mine.dirty and mine.form.editors["phone"].value() == "13800000001"  # the typing stays

        # 重新载入: the other side's phone, the clerk's bank put back, both-changed listed.
        boxes.answers = [conflict.RELOAD]
        clerk.shortcut("Ctrl+S")
        assert mine.form.editors["phone"].value() == "13900000002"
        assert mine.form.editors["bank"].value() == "青川农商银行"
        assert mine.dirty, "the clerk's change is back in the form, not saved yet"
        [info] = [d for d in dialogs.shown if d[1] == "重新载入"]
        assert "联系电话（您录入的是“13800000001”）" in info[2] and "草稿" in info[2]
        assert store.drafts.get(mine.household.uuid) is not None

        clerk.shortcut("Ctrl+S")  # now over the current revision: saved
        stored = store.households.get(household_id)
        assert not mine.dirty and stored.fields["phone"] == "13900000002"
        assert stored.fields["bank"] == "青川农商银行"
        assert store.drafts.get(mine.household.uuid) is None
        for w in (first, second):
            for e in list(w.editors.values()):
                e.close()
            w.close()
    finally:
        other.close()


def test_a_change_by_another_process_is_named_and_the_typing_kept(qtbot, store, clerk, dialogs, boxes) -> None:
    household_id = saved_household(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    editor = window.open_household(household_id)
    retype(qtbot, clerk, editor, "bank", "青川农商银行")
    members = editor.form.tables["members"]
    members.focus_cell(0, 0)  # the head's name, typed over in the table
    clerk.type("钱新名")
    clerk.press(Qt.Key.Key_Tab)
    members_before = [r.fields.get("name") for r in editor.household.members]
    assert [r.fields.get("name") for r in members.model.to_rows()][0] == "钱新名"

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(store.path), str(household_id)],
                   env=env, check=True, timeout=120)

    boxes.answers = [conflict.RELOAD]
    clerk.shortcut("Ctrl+S")
    [(_title, text, informative, _buttons)] = boxes.shown
    assert "县里老王" in text and "联系电话" in text and "家庭成员（修改 1 行）" in text
    assert "草稿保留" in informative
    # Reloaded: the other process's phone and member, the clerk's bank on top; nothing lost.
    assert editor.form.editors["phone"].value() == "13700000003"
    assert editor.form.editors["bank"].value() == "青川农商银行"
    names = [r.fields.get("name") for r in members.model.to_rows()]  # row by row: both kept
    assert names == ["钱新名", *members_before[1:-1], "赵改名"]
    assert not [d for d in dialogs.shown if d[1] == "重新载入"], "nothing changed on both sides"
    clerk.shortcut("Ctrl+S")
    stored = store.households.get(household_id)
    assert stored.fields["bank"] == "青川农商银行" and stored.fields["phone"] == "13700000003"
    assert [m.fields["name"] for m in stored.members] == names
    editor.close()


def test_the_merge_puts_back_rows_the_clerk_added_changed_or_deleted_and_lists_both_changed(store) -> None:
    import copy

    from fupin_desktop.domain.household import Row

    base = store.households.get(saved_household(store))
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    mine.members[0].fields["name"] = "我改的"
    theirs.members[0].fields["name"] = "别处改的"  # the same row on both sides
    theirs.members[2].fields["name"] = "别处改的二"
    mine.members[1].fields["name"] = "我改的一"
    del mine.helpers[0]
    mine.members.append(Row(fields={"name": "新成员"}))
    mine.fields["bank"] = "我的银行"

    result = conflict.merge(store.spec, base, mine, theirs)

    names = [r.fields["name"] for r in result.household.members]
    assert names == ["别处改的", "我改的一", "别处改的二", *[m.fields["name"] for m in base.members[3:]], "新成员"]
    assert [r.uuid for r in result.household.helpers] == [r.uuid for r in base.helpers[1:]]
    assert result.household.fields["bank"] == "我的银行"
    assert result.both == ["家庭成员中的一行（您录入的是“我改的”等）"]
    assert result.applied == ["开户银行", "家庭成员", store.spec.table("helpers").title]
