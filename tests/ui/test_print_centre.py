"""The print centre: choose document and scope, preview, save and print; villages off the GUI thread."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog

from fupin_desktop.store import Store
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.print_centre import PrintCentre
from tests.helpers import full_household
from tests.printing.pdfcheck import page_count, pdf_text

WAIT_MS = 30_000


@pytest.fixture
def households(store: Store) -> list[int]:
    ids = []
    for seed, names in ((1, ("𠮷祥", "李梅")), (2, ("张三", "王芳")), (3, ("赵六",))):
        ids.append(store.households.save(full_household(store.spec, seed=seed, names=names), "测试").id)
    return ids


def generate(qtbot, centre: PrintCentre) -> None:  # type: ignore[no-untyped-def]
    centre.result = None
    assert centre.generate() is not None
    qtbot.waitUntil(lambda: centre.result is not None, timeout=WAIT_MS)


def test_the_selected_households_card_is_previewed_and_saved(qtbot, store, households, dialogs, tmp_path,
                                                             monkeypatch) -> None:
    centre = PrintCentre(store, household_id=households[0])
    qtbot.addWidget(centre)
    assert centre.scope_household.isChecked() and "𠮷祥" in centre.scope_household.text()
    centre.set_document("card")
    generate(qtbot, centre)
    assert centre.result.pages == 1 and centre.result.households == 1
    assert "共 1 页" in centre.page_label.text()
    pixmap = centre.preview.pixmap()
    assert centre.pages.backend is not None and not pixmap.isNull() and pixmap.height() > pixmap.width()
    target = tmp_path / "登记卡.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    assert centre.save_pdf() == target
    assert "𠮷祥" in pdf_text(target)
    assert dialogs.shown and dialogs.shown[-1][0] == "information"
    centre.done(0)


def test_ticked_households_are_printed_together(qtbot, store, households) -> None:
    village_id = store.townships.village_by_name("炉场村").id
    centre = PrintCentre(store, household_id=households[0], selected_ids=households[:2], village_id=village_id)
    qtbot.addWidget(centre)
    centre.set_document("card")
    centre.scope_selection.setChecked(True)
    assert centre.households.isEnabled() and centre.checked_ids() == households[:2]
    centre.households.item(2).setCheckState(Qt.CheckState.Checked)
    generate(qtbot, centre)
    assert centre.result.pages == 3 and centre.result.households == 3
    centre.next_button.click()
    assert centre.page == 1 and "第 2 页" in centre.page_label.text()
    centre.done(0)


def test_a_whole_village_of_handbooks_runs_in_the_background(qtbot, store, households) -> None:
    centre = PrintCentre(store, village_id=store.townships.village_by_name("炉场村").id)
    qtbot.addWidget(centre)
    assert centre.scope_village.isChecked() and not centre.scope_household.isEnabled()
    centre.set_document("handbook")
    generate(qtbot, centre)
    assert centre.result.households == 3 and centre.result.pages == page_count(centre.result.path)
    assert "3 户" in centre.page_label.text()
    centre.done(0)


def test_a_notice_is_for_a_village_and_shows_no_full_id(qtbot, store, households) -> None:
    centre = PrintCentre(store, household_id=households[0])
    qtbot.addWidget(centre)
    centre.set_document("notice-first")
    assert centre.scope_village.isChecked() and not centre.scope_household.isEnabled()
    assert centre.notice_box.isVisibleTo(centre) and centre.days.value() == 7
    centre.phone.setText("0839-7201234")
    generate(qtbot, centre)
    text = pdf_text(centre.result.path)
    assert "第一次公示" in text and "0839-7201234" in text
    for household_id in households:
        for m in store.households.get(household_id).members:
            assert m.get("id_number") not in text.replace("\n", "")
    centre.done(0)


def test_print_sends_the_pages_to_the_printer(qtbot, store, households, tmp_path, monkeypatch) -> None:
    target = tmp_path / "printed.pdf"

    def accept(dialog: QPrintDialog) -> int:
        printer: QPrinter = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    centre = PrintCentre(store, household_id=households[1])
    qtbot.addWidget(centre)
    centre.set_document("blank-card")
    centre.copies.setValue(2)
    generate(qtbot, centre)
    assert centre.result.pages == 2
    op = centre.print_pdf()
    assert op is not None
    qtbot.waitUntil(lambda: "已送打印机 2 页" in centre.page_label.text(), timeout=WAIT_MS)
    assert page_count(target) == 2
    centre.done(0)


def test_ctrl_p_in_the_main_window_opens_the_print_centre(qtbot, store, households, monkeypatch) -> None:
    opened: list[PrintCentre] = []

    def fake_exec(self: PrintCentre) -> int:
        opened.append(self)
        return 0

    monkeypatch.setattr(PrintCentre, "exec", fake_exec)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.table.selectRow(0)
    assert window.act_print.shortcut().toString() == "Ctrl+P"
    window.act_print.trigger()
    [centre] = opened
    assert centre.household_id == window.selected_household_id()
    assert centre.village.currentText() == "炉场村"
    centre.done(0)


def test_the_gui_font_falls_back_to_the_bundled_rare_character_fonts(qapp) -> None:
    from PySide6.QtGui import QFontMetrics

    from fupin_desktop.ui.fonts import apply_default_font

    before = qapp.font()
    try:
        font = apply_default_font(qapp)
        assert "Fupin Han Ext B" in font.families()
        metrics = QFontMetrics(font)
        assert metrics.inFontUcs4(0x20BB7) and metrics.inFontUcs4(0x4DAE)  # 𠮷, 䶮
    finally:
        qapp.setFont(before)


def test_a_landscape_page_is_turned_to_fill_portrait_paper(qtbot, store, households, tmp_path, monkeypatch) -> None:
    """The blank 家庭成员情况登记表 is landscape: printed on A4 portrait it is turned, not shrunk to half."""
    from fupin_desktop.ui.pdf_pages import PdfPages

    target = tmp_path / "printed.pdf"

    def accept(dialog: QPrintDialog) -> int:
        printer: QPrinter = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    centre = PrintCentre(store, household_id=households[0])
    qtbot.addWidget(centre)
    centre.set_document("blank-members")
    generate(qtbot, centre)
    assert centre.print_pdf() is not None
    qtbot.waitUntil(lambda: "已送打印机" in centre.page_label.text(), timeout=WAIT_MS)
    image = PdfPages(target, page_count(target)).render(0, 30)
    assert image is not None and image.height() > image.width()  # portrait paper
    rows = [y for y in range(image.height()) if any(image.pixelColor(x, y).lightness() < 128
                                                    for x in range(0, image.width(), 2))]
    assert (rows[-1] - rows[0]) / image.height() > 0.75  # the form runs down the whole sheet
    centre.done(0)


def test_a_changed_choice_needs_a_new_preview_before_saving(qtbot, store, households, dialogs, tmp_path,
                                                            monkeypatch) -> None:
    centre = PrintCentre(store, household_id=households[0], village_id=store.townships.village_by_name("炉场村").id)
    qtbot.addWidget(centre)
    centre.set_document("card")
    generate(qtbot, centre)
    assert centre.save_button.isEnabled() and centre.print_button.isEnabled()
    centre.set_document("notice-first")  # the preview still shows the card
    assert centre.result is None and not centre.save_button.isEnabled() and not centre.print_button.isEnabled()
    assert "重新" in centre.preview.text()
    generate(qtbot, centre)
    offered: list[str] = []

    def save_as(parent, caption, default, *args):  # type: ignore[no-untyped-def]
        offered.append(default)
        return str(tmp_path / "公示.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    assert centre.save_pdf() == tmp_path / "公示.pdf"
    assert offered[0].endswith("炉场村第一次公示.pdf")
    assert "第一次公示" in pdf_text(tmp_path / "公示.pdf")
    centre.set_document("card")  # back from a notice: the household chosen at the start
    assert centre.scope_household.isChecked()
    centre.done(0)
