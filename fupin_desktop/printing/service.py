"""Printing services: one function per document, shared by the print centre and ``fupin print``.

Each takes a :class:`~fupin_desktop.store.Store` (blank forms: optionally), an output (a path,
written atomically, or a binary stream) and, for long jobs, ``progress(done, total)`` and
``cancelled()`` callables; none touches a widget.  Each returns a :class:`PrintResult` whose
``warnings`` list every character no font could draw (never silently dropped) and any text cut
to fit.  A cancelled job raises :class:`PrintCancelled` and leaves no file behind.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Literal

from fupin_desktop import fileio
from fupin_desktop.domain.household import Household
from fupin_desktop.domain.roles import Action
from fupin_desktop.printing import notice as notice_mod
from fupin_desktop.printing.blank import MEMBER_SHEET_TITLE, draw_member_sheet
from fupin_desktop.printing.card import TITLE as CARD_TITLE
from fupin_desktop.printing.card import draw_card
from fupin_desktop.printing.fonts import FontSet, font_set, resolve_font_choice
from fupin_desktop.printing.handbook import TITLE as HANDBOOK_TITLE
from fupin_desktop.printing.handbook import draw_handbook
from fupin_desktop.printing.layout import FORM_MARGINS, NOTICE_MARGINS, Document, Margins
from fupin_desktop.printing.notice import ROUNDS, NoticeInfo, NoticeRow, notice_row
from fupin_desktop.rules.policy import PUBLICITY_DAYS, PolicyError, check_publicity_days
from fupin_desktop.store import Store, StoreError, settings, year_files, years

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
Output = str | Path | BinaryIO
HouseholdDocument = Literal["card", "handbook"]
BlankDocument = Literal["card", "handbook", "members"]

DOCUMENT_TITLES = {"card": CARD_TITLE, "handbook": HANDBOOK_TITLE, "members": MEMBER_SHEET_TITLE}
MAX_COPIES = 200  # blank forms in one PDF


class PrintError(ValueError):
    """Cannot print as asked; ``str(exc)`` is a Chinese message for the clerk."""


class PrintCancelled(Exception):
    """The clerk pressed Cancel; no file was written."""


@dataclass
class PrintResult:
    """What was printed: the file, its pages, how many households, and the warnings."""

    path: Path | None
    pages: int
    households: int
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"out": str(self.path) if self.path else None, "pages": self.pages,
                "households": self.households, "warnings": self.warnings}


# -- shared helpers -------------------------------------------------------------------------------
def fonts_for(store: Store | None, font: str | None = None) -> FontSet:
    """The fonts: ``font`` if given, else FUPIN_PRINT_FONT, else the ``print_font`` setting."""
    setting = settings.PRINT_FONT.get(store.db) if store is not None else None
    return font_set(resolve_font_choice(font, setting))


def township_fields(store: Store | None) -> dict[str, str]:
    """The township's names, as the form's location fields (省, 市, 县, 乡)."""
    town = store.townships.get() if store is not None else None
    if town is None:
        return {}
    return {"province": town.province, "city": town.city, "county": town.county, "township": town.name}


def card_issuer(store: Store | None) -> str:
    if store is not None:
        configured = settings.CARD_ISSUER.get(store.db)
        if configured:
            return configured
    county = township_fields(store).get("county")
    return f"{county}扶贫开发领导小组办公室" if county else ""


def publicity_days(store: Store) -> int:
    """How many days a 公示 lasts: the county's policy profile (设置 → 政策参数), else the
    ``publicity_days`` setting, else 7 (the seed)."""
    repo = getattr(store, "policy", None)
    if repo is not None:
        try:
            days = int(repo.get().publicity_days)
        except (StoreError, AttributeError, TypeError, ValueError):
            days = 0
        if PUBLICITY_DAYS[0] <= days <= PUBLICITY_DAYS[1]:
            return days
    return settings.PUBLICITY_DAYS.get(store.db)


def _render(out: Output, fonts: FontSet, title: str, margins: Margins, draw: Callable[[Document], int]) -> PrintResult:
    """Draw into a fresh document and save it; a path is written atomically (temporary name,
    fsync, rename: a full disk or a read-only folder leaves no truncated PDF under ``out``)."""
    if isinstance(out, (str, Path)):
        path = Path(out)
        try:
            with fileio.atomic_path(path) as part:
                doc = Document(part, fonts, title=title, margins=margins)
                households = draw(doc)
                pages = doc.finish()
        except fileio.WriteError as exc:
            raise PrintError(str(exc)) from exc
    else:
        path = None
        doc = Document(out, fonts, title=title, margins=margins)
        households = draw(doc)
        pages = doc.finish()
    warnings = [*fonts.warnings, *doc.missing.warnings(), *dict.fromkeys(doc.notes)]
    log.info("printed document=%s to=%s pages=%d households=%d warnings=%d",
             title, path if path is not None else "(memory)", pages, households, len(warnings))
    return PrintResult(path=path, pages=pages, households=households, warnings=warnings)


def _village(store: Store, name: str) -> Any:
    village = store.townships.village_by_name(name.strip())
    if village is None or village.id is None:
        names = "、".join(v.name for v in store.townships.villages())
        raise PrintError(f"本乡没有“{name}”。现有的村：{names or '（尚未设置）'}")
    return village


def village_household_ids(store: Store, village: str | None) -> list[int]:
    """The households of a village (or the township), by village, group (in the village's own
    order: 一组, 二组, ... not by character code) and household number."""
    villages = store.townships.villages()
    if village is not None:
        chosen = _village(store, village)
        villages = [v for v in villages if v.id == chosen.id]
    order = {v.name: (i, {g: j for j, g in enumerate(v.groups)}) for i, v in enumerate(villages)}
    ids: list[int] = []
    for v in villages:
        ids += store.households.ids(village_id=v.id)
    summaries = store.households.summaries(ids)

    def key(s: Any) -> tuple[int, int, str, str]:
        v_index, groups = order.get(s.village, (len(order), {}))
        return v_index, groups.get(s.group, len(groups)), s.group or "", s.number or ""

    return [s.id for s in sorted(summaries, key=key)]


def _load(store: Store, household_id: int) -> Household:
    hh = store.households.get(household_id)
    if hh is None:
        raise PrintError(f"没有编号为 {household_id} 的户（可能已删除；用 fupin households 查看）。")
    return hh


# -- cards and Handbooks --------------------------------------------------------------------------
def print_households(
    store: Store,
    household_ids: Sequence[int],
    out: Output,
    *,
    document: HouseholdDocument = "card",
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    font: str | None = None,
    title: str | None = None,
    year: int | None = None,
) -> PrintResult:
    """Cards or Handbooks of the given households, in one page-numbered PDF; ``year`` a closed
    year: each household's frozen file of that year (read-only, as it was carried over)."""
    if document not in ("card", "handbook"):
        raise PrintError(f"未知的文书“{document}”：应为 card（登记卡）或 handbook（扶贫手册）")
    if not household_ids:
        raise PrintError("没有要打印的户。")
    if year is not None and years.is_read_only_year(store.db, year):
        held = year_files.household_uuids(store.db, household_ids)
        return print_year_files(store, [held[i] for i in household_ids if i in held], year, out, document=document,
                                progress=progress, cancelled=cancelled, font=font, title=title)
    store.require(Action.PRINT_FULL)  # full personal data: the roles of domain/roles.py only
    uuids: list[str] = []
    fonts = fonts_for(store, font)
    township = township_fields(store)
    issuer = card_issuer(store)
    drawer = draw_card if document == "card" else draw_handbook
    total = len(household_ids)

    def draw(doc: Document) -> int:
        for done, household_id in enumerate(household_ids):
            if cancelled is not None and cancelled():
                raise PrintCancelled()
            hh = _load(store, household_id)
            uuids.append(hh.uuid)
            drawer(doc, store.spec, hh, township=township, issuer=issuer)
            if progress is not None:
                progress(done + 1, total)
        return total

    result = _render(out, fonts, title or DOCUMENT_TITLES[document], FORM_MARGINS, draw)
    store.record_use("print", DOCUMENT_TITLES[document], uuids)  # who printed whose data, when
    return result


def print_year_files(
    store: Store,
    household_uuids: Sequence[str],
    year: int,
    out: Output,
    *,
    document: HouseholdDocument = "card",
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    font: str | None = None,
    title: str | None = None,
) -> PrintResult:
    """Cards or Handbooks of a closed year (年度结转后的往年档案): each household's frozen file of
    ``year``, exactly as it was carried over; the title names the year.  Refused, naming the
    household, for one that has no file of that year."""
    if not years.is_read_only_year(store.db, year):
        return print_households(store, [i for u in household_uuids if (i := store.households.id_for_uuid(u))],
                                out, document=document, progress=progress, cancelled=cancelled, font=font,
                                title=title)
    if not household_uuids:
        raise PrintError("没有要打印的户。")
    store.require(Action.PRINT_FULL)
    town = store.townships.get()
    place = {"province": town.province, "city": town.city, "county": town.county, "name": town.name} if town else None
    files = []
    for uuid in household_uuids:  # every file found before a page is drawn: a refusal writes nothing
        hh = year_files.year_file(store.db, store.spec, uuid, year, place)
        if hh is None:
            held = "、".join(map(str, years.years(store.db)))
            raise PrintError(f"该户没有 {year} 年度的档案（{year} 年度尚未登记或已不在册）。已有年度：{held}。")
        files.append(hh)
    fonts = fonts_for(store, font)
    township = township_fields(store)
    issuer = card_issuer(store)
    drawer = draw_card if document == "card" else draw_handbook

    def draw(doc: Document) -> int:
        for done, hh in enumerate(files):
            if cancelled is not None and cancelled():
                raise PrintCancelled()
            drawer(doc, store.spec, hh, township=township, issuer=issuer)
            if progress is not None:
                progress(done + 1, len(files))
        return len(files)

    heading = title or f"{DOCUMENT_TITLES[document]}（{year}年度）"
    result = _render(out, fonts, heading, FORM_MARGINS, draw)
    store.record_use("print", heading, list(household_uuids))
    return result


def print_card(store: Store, household_id: int, out: Output, *, font: str | None = None) -> PrintResult:
    """贫困户登记卡 of one household."""
    return print_households(store, [household_id], out, document="card", font=font)


def print_handbook(store: Store, household_id: int, out: Output, *, font: str | None = None) -> PrintResult:
    """扶贫手册 (all six parts) of one household."""
    return print_households(store, [household_id], out, document="handbook", font=font)


def print_village(
    store: Store,
    village: str,
    out: Output,
    *,
    document: HouseholdDocument = "card",
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    font: str | None = None,
) -> PrintResult:
    """Every household's card or Handbook of a village, in group and number order."""
    ids = village_household_ids(store, village)
    if not ids:
        raise PrintError(f"{village}还没有建档立卡户。")
    return print_households(store, ids, out, document=document, progress=progress, cancelled=cancelled,
                            font=font, title=f"{village}{DOCUMENT_TITLES[document]}")


# -- notices --------------------------------------------------------------------------------------
def notice_info(
    store: Store,
    village: str | None,
    round_: str,
    *,
    households: Sequence[Household] = (),
    start: date | None = None,
    days: int | None = None,
    year: int | None = None,
    phone: str | None = None,
    issuer: str | None = None,
) -> NoticeInfo:
    """The words around a notice's table, from the township, the settings and the households."""
    if round_ not in ROUNDS:
        raise PrintError(f"未知的公示轮次“{round_}”：应为 first（第一次公示）、second（第二次公示）或 announce（公告）")
    town = township_fields(store)
    township, county = town.get("township", ""), town.get("county", "")
    start = start or date.today()
    if year is None:
        years = Counter(int(h.fields["year"]) for h in households if h.fields.get("year"))
        year = years.most_common(1)[0][0] if years else start.year
    days = days if days is not None else publicity_days(store)
    try:
        check_publicity_days(days)
    except PolicyError as exc:
        raise PrintError(str(exc)) from exc
    return NoticeInfo(
        township=township, village=village, year=int(year), round=round_, start=start, days=days,
        issuer=issuer or notice_mod.default_issuer(round_, township, village, county),
        addressee=notice_mod.default_addressee(round_, township, village, county),
        phone=phone if phone is not None else settings.COMPLAINT_PHONE.get(store.db),
        county=county,
    )


def print_notice(
    store: Store,
    village: str | None,
    round_: str,
    out: Output,
    *,
    start: date | None = None,
    days: int | None = None,
    year: int | None = None,
    phone: str | None = None,
    issuer: str | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    font: str | None = None,
) -> PrintResult:
    """第一次公示 / 第二次公示 / 公告 of a village's households (``village=None``: the township's).

    The period starts on ``start`` (today if None) and lasts ``days`` (the policy's duration if
    None, default 7); the complaint phone is ``phone`` or the ``complaint_phone`` setting.
    """
    if round_ not in ROUNDS:
        notice_info(store, village, round_)  # raises the message
    ids = village_household_ids(store, village)
    if not ids:
        raise PrintError(f"{village or '本乡'}还没有建档立卡户，无可公示。")
    total = len(ids)
    rows: list[NoticeRow] = []
    years: Counter[int] = Counter()
    for done, household_id in enumerate(ids):
        if cancelled is not None and cancelled():
            raise PrintCancelled()
        hh = _load(store, household_id)
        rows.append(notice_row(hh, store.spec.derived_sources()))
        if hh.fields.get("year"):
            years[int(hh.fields["year"])] += 1
        if progress is not None and (done % 50 == 49 or done + 1 == total):
            progress(done + 1, total)
    if year is None and years:
        year = years.most_common(1)[0][0]
    info = notice_info(store, village, round_, start=start, days=days, year=year, phone=phone, issuer=issuer)
    fonts = fonts_for(store, font)

    def draw(doc: Document) -> int:
        notice_mod.draw_notice(doc, info, rows)
        return len(rows)

    result = _render(out, fonts, info.title, NOTICE_MARGINS, draw)
    store.record_use("print", f"{village or '本乡'}{info.title}", [])  # masked data: one row for the notice
    return result


# -- blank forms ----------------------------------------------------------------------------------
def print_blank(
    kind: BlankDocument, out: Output, *, store: Store | None = None, font: str | None = None, copies: int = 1
) -> PrintResult:
    """A blank card, Handbook or member sheet for field work (the township's names filled in
    when a store is given)."""
    if kind not in DOCUMENT_TITLES:
        raise PrintError(f"未知的空白表“{kind}”：应为 card、handbook 或 members")
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise PrintError(f"份数应为 1-{MAX_COPIES} 的整数，现为 {copies}")
    from fupin_desktop.formspec import load_form

    form = store.spec if store is not None else load_form("household")
    township = township_fields(store)
    issuer = card_issuer(store)
    fonts = fonts_for(store, font)

    def draw(doc: Document) -> int:
        for _ in range(copies):
            if kind == "card":
                draw_card(doc, form, None, township=township, issuer=issuer)
            elif kind == "handbook":
                draw_handbook(doc, form, None, township=township, issuer=issuer)
            else:
                draw_member_sheet(doc, form, township)
        return 0

    return _render(out, fonts, f"{DOCUMENT_TITLES[kind]}（空白）", FORM_MARGINS, draw)
