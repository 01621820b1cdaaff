"""Render a form spec as Qt widgets: one tab per paper part, grids and tables in paper order.

Nothing here is written per field: the spec says which editor, where, with
which code list.  Focus (Tab, Shift+Tab, Enter) follows the paper's reading
order across groups and tabs.

The form is built a group at a time: opening a household builds the first group of the first
part, :meth:`FormView.build_later` builds the rest in idle time (one group per turn of the event
loop, the part on show first), and a part is finished at once when its tab is shown, a field or
table on it is looked up, or Tab walks into it.  Until a field is built its value is the loaded
household's (``load``), and ``fill`` hands it on unchanged; ``editors`` and ``tables`` build the
part a field or table is on when it is looked up, so callers never see a missing one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.codes import CodeItem, CodeList
from fupin_desktop.domain.household import TABLES, Household, Row
from fupin_desktop.formspec import FieldSpec, FormSpec, GroupSpec
from fupin_desktop.rules import FieldRef, Finding
from fupin_desktop.ui.field_widgets import FIELD_STYLESHEET, FieldEditor, make_editor
from fupin_desktop.ui.row_table import RowTable

ERROR_LABEL_STYLE = "color: #c5221f; font-size: 9pt;"
V = TypeVar("V")


class _OnDemand(Mapping[str, V], Generic[V]):
    """The form's editors (or tables) by id; looking one up builds the part it is on."""

    def __init__(self, form: FormView, built: dict[str, V], parts: dict[str, int]) -> None:
        self._form, self._built, self._parts = form, built, parts

    def __getitem__(self, key: str) -> V:
        part = self._parts.get(key)
        if part is not None:
            self._form.build_part(part)
        return self._built[key]

    def __contains__(self, key: object) -> bool:
        return key in self._parts

    def __iter__(self) -> Iterator[str]:
        self._form.build_all()
        return iter(self._built)

    def __len__(self) -> int:
        return len(self._parts)


def dynamic_codes(list_id: str, names: list[str]) -> CodeList:
    """A code list made from the township's own names (villages, groups): typed by number or pinyin."""
    return CodeList(id=list_id, title=list_id, items=tuple(CodeItem(f"{i:02d}", n) for i, n in enumerate(names, 1)))


class FormView(QTabWidget):
    """The whole form.  ``field_edited(field_id, old, new)`` reports a committed grid edit."""

    field_edited = Signal(str, object, object)
    #: a table's rows changed: (its RowsModel, rows before, rows after)
    table_changed = Signal(object, object, object)

    def __init__(self, spec: FormSpec, villages: dict[str, list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.villages = villages
        self._editors: dict[str, FieldEditor] = {}  # of the parts built so far
        self._tables: dict[str, RowTable] = {}
        self.error_labels: dict[str, QLabel] = {}
        self._chains: list[list[QWidget]] = []  # per part: focus order = paper reading order
        self._tab_of: dict[QWidget, int] = {}
        self._grid = {f.id: f for f in spec.grid_fields()}
        field_parts: dict[str, int] = {}
        table_parts: dict[str, int] = {}
        self._loaded: Household | None = None
        self._findings: list[Finding] = []
        self._read_only = False
        self.setObjectName("form_view")
        self.setStyleSheet(FIELD_STYLESHEET)
        for index, section in enumerate(spec.sections):
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            self.addTab(scroll, section.title)
            self._chains.append([])
            for group in section.groups:
                if group.is_table:
                    table_parts[group.id] = index
                else:
                    field_parts.update((f.id, index) for f in group.fields)
        self.editors: Mapping[str, FieldEditor] = _OnDemand(self, self._editors, field_parts)
        self.tables: Mapping[str, RowTable] = _OnDemand(self, self._tables, table_parts)
        self._pending = set(range(len(spec.sections)))
        self._todo: dict[int, list[GroupSpec]] = {}  # per part begun: its groups not built yet
        self._idle: QTimer | None = None
        self._table_hooks: dict[str, list[Callable[[RowTable], None]]] = {}
        self.setTabToolTip(0, "Ctrl+PgUp / Ctrl+PgDown 切换各部分")
        self._build_next(0)  # what shows first: the first group; the rest with build_later()
        self.currentChanged.connect(self._on_tab)

    def _on_tab(self, index: int) -> None:
        if 0 <= index < len(self._chains):
            self.build_part(index)

    @property
    def chain(self) -> list[QWidget]:
        """Every focusable field and table in the paper's reading order (builds every part)."""
        self.build_all()
        return [w for part in self._chains for w in part]

    def build_all(self) -> None:
        for index in sorted(self._pending):
            self.build_part(index)

    def build_part(self, index: int) -> None:
        """Build a part's widgets (once), showing the loaded household's values."""
        while index in self._pending:
            self._build_next(index)

    def _build_next(self, index: int) -> None:
        """Build the next group of a part (in paper order), showing the loaded household's values."""
        groups = self._todo.get(index)
        if groups is None:  # the part's page first
            page = QWidget()
            column = QVBoxLayout(page)
            column.setSpacing(10)
            column.addStretch(1)
            scroll = self.widget(index)
            assert isinstance(scroll, QScrollArea)
            scroll.setWidget(page)
            groups = self._todo[index] = list(self.spec.sections[index].groups)
        if not groups:
            self._pending.discard(index)
            return
        group = groups.pop(0)
        if not groups:
            self._pending.discard(index)
        now = self._current()  # before the group exists: its values are still the loaded ones
        self._chain = self._chains[index]
        chained = len(self._chain)
        fields = set(self._editors)
        tables = set(self._tables)
        part = self.widget(index)
        assert isinstance(part, QScrollArea)
        shown = part.widget()
        assert shown is not None
        lay = shown.layout()
        assert isinstance(lay, QVBoxLayout)
        box = self._build_group(group)
        lay.insertWidget(lay.count() - 1, box)  # above the stretch
        box.show()  # at once (a layout would show it on the next turn of the event loop)
        for w in self._chains[index][chained:]:
            self._tab_of[w] = index
            w.installEventFilter(self)
        if "village" in self._editors and "village" not in fields:
            self._wire_villages()
        if now is not None and "group" in self._editors and "group" not in fields:
            self.update_groups(now.fields.get("village"))
        for fid in set(self._editors) - fields:
            editor = self._editors[fid]
            if now is not None:
                editor.set_value(now.fields.get(fid))
            if self._read_only:
                editor.set_readonly(True)  # type: ignore[attr-defined]
        for name in set(self._tables) - tables:
            table = self._tables[name]
            if now is not None:
                table.model.load(now.table(name))
            if self._read_only:
                table.set_read_only(True)
            table.model.changed.connect(
                lambda before, after, m=table.model: self.table_changed.emit(m, before, after))
            for hook in self._table_hooks.pop(name, []):
                hook(table)
        if self._findings:
            self.show_findings(self._findings)

    def when_built(self, table_id: str, hook: Callable[[RowTable], None]) -> None:
        """Call ``hook(table)`` once the table exists (now, if it does already)."""
        if table_id in self._tables:
            hook(self._tables[table_id])
        else:
            self._table_hooks.setdefault(table_id, []).append(hook)

    def build_later(self) -> None:
        """Build what is not shown yet in idle time, a group per turn of the event loop (the part
        on show first, then the others in paper order), so no turn is held long."""
        if self._idle is None:
            self._idle = QTimer(self)
            self._idle.setInterval(0)
            self._idle.timeout.connect(self._build_idle)
        self._idle.start()

    def _build_idle(self) -> None:
        current = self.currentIndex()
        pending = sorted(self._pending, key=lambda i: (i != current, i))
        if not pending:
            assert self._idle is not None
            self._idle.stop()
            return
        self._build_next(pending[0])

    def _current(self) -> Household | None:
        """The household as the form shows it (None before ``load``)."""
        if self._loaded is None:
            return None
        hh = copy.copy(self._loaded)
        hh.fields = dict(self._loaded.fields)
        for name in TABLES:
            setattr(hh, name, [])
        self.fill(hh)
        return hh

    # -- building -------------------------------------------------------------
    def _codes_for(self, f: FieldSpec) -> CodeList | None:
        if f.codes == "@villages":
            return dynamic_codes("villages", list(self.villages))
        if f.codes == "@groups":
            return dynamic_codes("groups", [])
        return self.spec.codes.get(f.codes) if f.codes else None

    def _build_group(self, group: GroupSpec) -> QWidget:
        box = QGroupBox(group.title)
        box.setObjectName(f"group_{group.id}")
        if group.is_table:
            table = RowTable(group, self.spec)
            self._tables[group.id] = table
            table.leave.connect(lambda forward, t=table: self._focus_step(t.view, forward))
            QVBoxLayout(box).addWidget(table)
            self._chain.append(table.view)
            return box
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        for c in range(group.columns):
            grid.setColumnStretch(c * 3 + 1, 1)
        for f in group.fields:
            editor = make_editor(f, self._codes_for(f))
            if f.codes == "@groups":
                # A new township has villages but no groups yet: the first household of a
                # group names it, and saving adds it to the village.
                editor.accepts_new = True  # type: ignore[attr-defined]
            widget: QWidget = editor  # type: ignore[assignment]
            self._editors[f.id] = editor
            label = QLabel(("<span style='color:#c5221f'>*</span>" if f.required else "") + f.label)
            label.setBuddy(widget)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row, col = f.row * 2, f.col * 3
            grid.addWidget(label, row, col)
            span = f.span * 3 - 2
            if f.unit:
                grid.addWidget(widget, row, col + 1, 1, span)
                grid.addWidget(QLabel(f.unit), row, col + span + 1)
            else:
                grid.addWidget(widget, row, col + 1, 1, span + 1)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            err = QLabel()
            err.setObjectName(f"error_{f.id}")
            err.setStyleSheet(ERROR_LABEL_STYLE)
            err.setWordWrap(True)
            err.hide()
            grid.addWidget(err, row + 1, col + 1, 1, f.span * 3 - 1)
            self.error_labels[f.id] = err
            editor.error_changed.connect(lambda msg, fid=f.id: self.show_field_message(fid, msg))  # type: ignore[attr-defined]
            editor.notice.connect(lambda msg, fid=f.id: self.show_field_message(fid, msg))  # type: ignore[attr-defined]
            editor.edited.connect(lambda old, new, fid=f.id: self.field_edited.emit(fid, old, new))  # type: ignore[attr-defined]
            if widget.focusPolicy() != Qt.FocusPolicy.NoFocus and not f.readonly:
                self._chain.append(widget)
        return box

    def _wire_villages(self) -> None:
        village = self._editors.get("village")
        if village is not None:
            village.edited.connect(lambda _o, new: self.update_groups(new))  # type: ignore[attr-defined]

    def update_groups(self, village: str | None) -> None:
        group = self._editors.get("group")
        if group is not None and hasattr(group, "set_code_list"):
            group.set_code_list(dynamic_codes("groups", self.villages.get(village or "", [])))

    # -- values -----------------------------------------------------------------
    def load(self, hh: Household) -> None:
        hh.refresh_derived(self.spec.derived_sources())
        self._loaded = hh
        self.update_groups(hh.fields.get("village"))
        for fid, editor in self._editors.items():
            editor.set_value(hh.fields.get(fid))
        for name, table in self._tables.items():
            table.model.load(hh.table(name))

    def set_derived(self, hh: Household) -> None:
        """Show ``hh``'s derived values (the parts not built yet compute theirs when built)."""
        for fid, editor in self._editors.items():
            if editor.spec.type == "derived":
                editor.set_value(hh.fields.get(fid))

    def set_read_only(self) -> None:
        """Show the household without letting anything be changed (a read-only database)."""
        self._read_only = True
        for editor in self._editors.values():
            editor.set_readonly(True)  # type: ignore[attr-defined]
        for table in self._tables.values():
            table.set_read_only(True)

    def set_field(self, field_id: str, value: Any) -> None:
        editor = self.editors[field_id]
        editor.set_value(value)
        if field_id == "village":
            self.update_groups(value)

    def value(self, field_id: str) -> Any:
        """What the form shows for a grid field now (without building its part)."""
        editor = self._editors.get(field_id)
        if editor is not None:
            return editor.value()
        now = self._current()
        return now.fields.get(field_id) if now is not None else None

    def values(self) -> dict[str, Any]:
        return {fid: e.value() for fid, e in self.editors.items()}

    def fill(self, hh: Household) -> None:
        """Copy the form's current values into ``hh`` (valid values only; see parse_errors).

        A part not built yet shows the loaded household unchanged: its values are handed on."""
        loaded = self._loaded
        for fid, spec in self._grid.items():
            e = self._editors.get(fid)
            if spec.readonly:
                continue
            if e is not None:
                hh.fields[fid] = e.value()
            elif loaded is not None and fid in self.editors:
                hh.fields[fid] = loaded.fields.get(fid)
        for name in TABLES:
            if name in self._tables:
                hh.table(name)[:] = self._tables[name].model.to_rows()
            elif loaded is not None and name in self.tables:  # each row's own copy (values are plain)
                hh.table(name)[:] = [Row(dict(r.fields), r.uuid, r.revision, r.id) for r in loaded.table(name)]
        hh.refresh_derived(self.spec.derived_sources())

    def commit_all(self) -> None:
        """Parse whatever is typed but not yet committed (e.g. the field with focus)."""
        for e in self._editors.values():
            if not e.spec.readonly:
                e.commit()
        for t in self._tables.values():
            t.commit_edit()

    def parse_errors(self) -> list[Finding]:
        """Typing that could not be read as a value: blocks saving, kept as a draft."""
        out = [Finding("F000", "error", err, (FieldRef(fid),))
               for fid, e in self._editors.items() if (err := e.error())]
        for name, t in self._tables.items():
            for row, col, msg in t.model.parse_errors():
                out.append(Finding("F000", "error", f"{t.group.title}第 {row + 1} 行：{msg}",
                                   (FieldRef(col, name, row),)))
        return out

    def bad_texts(self) -> dict[str, Any]:
        """Typed text that did not parse, for the draft (grid: id -> text; tables: per row)."""
        grid = {fid: e.raw_text() for fid, e in self._editors.items() if e.error()}
        tables = {name: {r.uuid: dict(r.bad_text) for r in t.model.rows if r.bad_text}
                  for name, t in self._tables.items()}
        return {"grid": grid, "tables": {k: v for k, v in tables.items() if v}}

    def restore_bad_texts(self, texts: dict[str, Any]) -> None:
        for fid, text in texts.get("grid", {}).items():
            editor = self.editors.get(fid)
            if editor is not None:
                editor._set_display(text)  # type: ignore[attr-defined]
                editor.commit()
        for name, rows in texts.get("tables", {}).items():
            table = self.tables.get(name)
            if table is None:
                continue
            for i, state in enumerate(table.model.rows):
                for col_id, text in rows.get(state.uuid, {}).items():
                    table.model.set_text(i, table.column_of(col_id), text)

    # -- findings -----------------------------------------------------------------
    def show_field_message(self, field_id: str, message: str) -> None:
        label = self.error_labels.get(field_id)
        if label is None:
            return
        label.setText(message)
        label.setVisible(bool(message))

    def show_findings(self, findings: list[Finding]) -> None:
        """Mark rule findings beside their fields (parse errors are shown by the editors)."""
        self._findings = findings  # a part built later shows its own
        grid: dict[str, str] = {}
        cells: dict[str, dict[tuple[int, str], tuple[str, str]]] = {n: {} for n in self._tables}
        for f in findings:
            for ref in f.refs:
                if ref.table is None:
                    grid.setdefault(ref.field, f.message)
                elif ref.table in cells and ref.row is not None:
                    cells[ref.table].setdefault((ref.row, ref.field), (f.severity, f.message))
        for fid, label in self.error_labels.items():
            editor = self._editors[fid]
            message = editor.error() or grid.get(fid, "")
            label.setText(message)
            label.setVisible(bool(message))
        for name, table in self._tables.items():
            table.model.set_findings(cells[name])

    def focus_ref(self, ref: FieldRef) -> None:
        """Jump to the field (switching tab; for a table, to the cell)."""
        if ref.table is not None and ref.table in self.tables:
            table = self.tables[ref.table]
            self.setCurrentIndex(self._tab_of[table.view])
            table.focus_cell(ref.row or 0, table.column_of(ref.field))
            return
        editor = self.editors.get(ref.field)
        if editor is None:
            return
        widget: QWidget = editor  # type: ignore[assignment]
        index = self._tab_of.get(widget)
        if index is None:  # read-only field: show its tab
            index = next((i for i in range(self.count())
                          if (tab := self.widget(i)) is not None and tab.isAncestorOf(widget)), 0)
        self.setCurrentIndex(index)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        self._ensure_visible(widget)
        if isinstance(widget, QLineEdit):
            widget.selectAll()

    def first_field(self) -> QWidget | None:
        return self._chains[0][0] if self._chains and self._chains[0] else None

    # -- keyboard: paper order --------------------------------------------------
    def _ensure_visible(self, widget: QWidget) -> None:
        scroll = self.currentWidget()
        if isinstance(scroll, QScrollArea):
            scroll.ensureWidgetVisible(widget, 20, 40)

    def _focus_step(self, current: QWidget, forward: bool) -> None:
        part = self._tab_of.get(current)
        if part is None:
            return
        self.build_part(part)  # its later groups, if idle time has not built them yet
        chain = self._chains[part]
        j = chain.index(current) + (1 if forward else -1)
        while not 0 <= j < len(chain):  # on to the next part (built now if it was not)
            part += 1 if forward else -1
            if not 0 <= part < len(self._chains):
                return
            self.build_part(part)
            chain = self._chains[part]
            j = 0 if forward else len(chain) - 1
        target = chain[j]
        self.setCurrentIndex(part)
        for _name, table in self._tables.items():
            if table.view is target:
                rows = len(table.model.rows)
                if rows == 0:
                    table.view.setFocus()
                elif forward:
                    table.focus_cell(0, 0)
                else:
                    table.focus_cell(rows - 1, len(table.model.columns) - 1)
                self._ensure_visible(table)
                return
        target.setFocus(Qt.FocusReason.TabFocusReason)
        self._ensure_visible(target)
        if isinstance(target, QLineEdit):
            target.selectAll()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and obj in self._tab_of:
            widget: QWidget = obj  # type: ignore[assignment]
            key, mods = event.key(), event.modifiers()
            if any(t.view is widget for t in self._tables.values()):
                return False  # tables handle their own keys and emit leave at their ends
            completer = getattr(widget, "completer", None)
            popup = completer().popup() if callable(completer) and completer() else None
            popup_open = popup is not None and popup.isVisible()
            is_tab = key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            if is_tab and hasattr(widget, "accept_popup"):
                widget.accept_popup()
            if key == Qt.Key.Key_Tab and not mods & Qt.KeyboardModifier.ShiftModifier:
                if hasattr(widget, "commit"):
                    widget.commit()
                self._focus_step(widget, True)
                return True
            if key == Qt.Key.Key_Backtab or (key == Qt.Key.Key_Tab and mods & Qt.KeyboardModifier.ShiftModifier):
                if hasattr(widget, "commit"):
                    widget.commit()
                self._focus_step(widget, False)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(widget, QLineEdit) and not popup_open:
                if hasattr(widget, "commit"):
                    widget.commit()
                self._focus_step(widget, True)
                return True
        return super().eventFilter(obj, event)
