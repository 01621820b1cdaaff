"""What ``fupin village show`` and ``fupin stats`` print, and the GUI shows: built in one place.

:func:`village_view` is one village's 贫困村登记表 of a year with the figures its households hold
(``computed``), the typed figures that disagree (``differences``), the "一高一低一无" tests and the
form's findings.  :func:`statistics` is the township's and each village's figures of a year (one
SQL aggregate per kind of figure, :mod:`fupin_desktop.store.stats`) as one dict, so other figures
(exits, returns, births … per year) join it in this one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from fupin_desktop.domain.values import to_json
from fupin_desktop.domain.village import VillageForm
from fupin_desktop.rules import Finding
from fupin_desktop.rules.village import (
    check_form,
    computed_fields,
    differences,
    incidence,
    poor_village_tests,
)
from fupin_desktop.store import stats
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import StoreError

if TYPE_CHECKING:
    from fupin_desktop.domain.township import Village
    from fupin_desktop.store import Store


def default_year(store: Store) -> int:
    """The latest year with households, else with a village form, else this year."""
    years = stats.years(store.db) or store.village_forms.years()
    return years[-1] if years else date.today().year


def find_village(store: Store, name: str) -> Village:
    village = store.townships.village_by_name(name.strip())
    if village is None or village.id is None:
        names = "、".join(v.name for v in store.townships.villages())
        raise StoreError(f"本乡没有“{name}”。本乡的村：{names or '（还没有村）'}")
    return village


def form_or_blank(store: Store, village: Village, year: int) -> VillageForm:
    assert village.id is not None
    form = store.village_forms.get(int(village.id), year)
    return form or VillageForm(village_id=int(village.id), village=village.name, year=year, fields={"year": year})


def computed_for(counts: dict[str, int]) -> dict[str, int]:
    """The form's computed fields (field id -> the households' count)."""
    return {c.field: int(counts.get(c.stat, 0)) for c in computed_fields()}


def village_view(store: Store, name: str, year: int | None = None) -> dict[str, Any]:
    """One village's form of ``year`` (default: :func:`default_year`) as the JSON contract."""
    village = find_village(store, name)
    year = default_year(store) if year is None else year
    form = form_or_blank(store, village, year)
    counts = stats.village_counts(store.db, year, int(village.id or 0)).get(int(village.id or 0), {})
    spec = store.village_forms.spec
    out: dict[str, Any] = {"village": village.name, "code": village.code, "is_poor": village.is_poor,
                           "saved": form.id is not None, "revision": form.revision, "updated_at": form.updated_at}
    for f in spec.grid_fields():
        out[f.id] = to_json(form.fields.get(f.id))
    out["year"] = year
    out["computed"] = computed_for(counts)
    out["differences"] = differences(form, out["computed"], spec)
    out["poor_village_tests"] = poor_village_tests(form, counts, store.policy.get().village_references)
    out["findings"] = [{"rule": x.rule, "severity": x.severity, "message": x.message,
                        "fields": [r.field for r in x.refs]} for x in check_form(form, out["computed"], spec)]
    return out


def _sum(dicts: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


#: The township's movements in a year (``fupin stats`` top level, issue 16): exits, returns, new entries,
#: births and deaths, counted from the registration years' files (store/years.py).
YEAR_MOVES = ("exits", "returns", "new", "births", "deaths")


def statistics(store: Store, year: int | None = None, village: str | None = None, *,
               page: bool = False) -> dict[str, Any]:
    """The ``fupin stats --json`` document: ``villages`` (one entry each), ``township`` and the
    township's ``households`` and ``persons`` at the top level."""
    year = default_year(store) if year is None else year
    villages = [find_village(store, village)] if village else store.townships.villages()
    vid = int(villages[0].id or 0) if village else None
    over = stats.overview(store.db, year, vid)  # two passes: households, members
    counts, main, attrs, flags, work = (over[k] for k in ("counts", "causes", "attributes", "exit_states", "work"))
    # The 统计 page (``page``) opens without the two costliest passes at county scale: the year's
    # movements (issue 16 reads every file of two years) and the other causes (json_each over every
    # household; read when the clerk ticks 含其他致贫原因, :func:`other_causes`).
    every = {} if page else stats.all_causes(store.db, year, vid, main)
    forms = store.village_forms.for_year(year)
    empty = dict.fromkeys(stats.FIGURES, 0)
    rows: list[dict[str, Any]] = []
    for v in villages:
        i = int(v.id or 0)
        c = counts.get(i, empty)
        form = forms.get(i)
        population = form.fields.get("total_population") if form else None
        rows.append(_entry(c, population, main.get(i, {}), every.get(i, {}), attrs.get(i, {}), flags.get(i, {}),
                           work.get(i, {}), village=v.name, code=v.code, is_poor=v.is_poor, quota=v.quota,
                           form=form is not None))
    with_population = [r for r in rows if r["population"] is not None]
    town_counts = _sum([{k: r[k] for k in stats.FIGURES} for r in rows])
    population = sum(r["population"] for r in with_population) if with_population else None
    poor_in_population = sum(r["poor_persons"] for r in with_population)
    township = _entry(town_counts, population, _sum([r["causes"] for r in rows]),
                      _sum([r["all_causes"] for r in rows]), _sum([r["attributes"] for r in rows]),
                      _sum([r["exit_states"] for r in rows]), _sum([r["work"] for r in rows]),
                      poor_for_incidence=poor_in_population)
    town = store.townships.get()
    township.update(name=town.name if town else "", code=town.code if town else "",
                    poor_villages=sum(1 for v in villages if v.is_poor), villages=len(villages))
    from fupin_desktop.store.years import year_counts  # issue 16: the year's movements, from the files

    moves = ({k: v for k, v in year_counts(store.db, year).items() if k in YEAR_MOVES}
             if not village and not page else {})
    return {
        "year": year, "village": village, "years": stats.years(store.db),
        "households": township["households"], "persons": township["persons"], **moves,
        "villages": rows, "township": township,
        "series": {str(y): s for y, s in stats.year_series(store.db, vid).items()},
        "progress": _progress(store, year, vid), "education": _education(store, year, villages, vid),
        "all_causes_loaded": not page,
    }


def other_causes(store: Store, year: int, village: str | None = None) -> dict[str, Any]:
    """The 全部致贫原因 of the page's scope: per village name and for the township (``all_causes`` of
    :func:`statistics`, read on demand by the 统计 page)."""
    villages = [find_village(store, village)] if village else store.townships.villages()
    vid = int(villages[0].id or 0) if village else None
    every = stats.all_causes(store.db, year, vid)
    rows = {v.name: dict(sorted(every.get(int(v.id or 0), {}).items(), key=lambda kv: -kv[1])) for v in villages}
    return {"villages": rows, "township": dict(sorted(_sum(list(rows.values())).items(), key=lambda kv: -kv[1]))}


def _progress(store: Store, year: int, village_id: int | None) -> list[dict[str, Any]]:
    """Workflow progress per village (stages, open objections, quota use; store/progress.py)."""
    from fupin_desktop.store.progress import progress

    return [p.to_json() for p in progress(store, year) if village_id is None or p.village_id == village_id]


def _education(store: Store, year: int, villages: list[Village], village_id: int | None) -> dict[str, Any]:
    """教育资助 per item and per village for the school year ending in ``year``."""
    edu = stats.education_items(store.db, stats.education_school_year(year), village_id)
    names = {int(v.id or 0): v.name for v in villages}
    edu["villages"] = {names[i]: v for i, v in edu["villages"].items() if i in names}
    return edu


def _entry(c: dict[str, int], population: int | None, main: dict[str, int], every: dict[str, int],
           attrs: dict[str, int], flags: dict[str, int], work: dict[str, int], *,
           poor_for_incidence: int | None = None, **head: Any) -> dict[str, Any]:
    rate = incidence(c["poor_persons"] if poor_for_incidence is None else poor_for_incidence, population)
    return {
        **head,
        **{k: c[k] for k in stats.FIGURES},
        "population": population,
        "incidence": None if rate is None else float(rate),
        "causes": dict(sorted(main.items(), key=lambda kv: -kv[1])),
        "all_causes": dict(sorted(every.items(), key=lambda kv: -kv[1])),
        "attributes": attrs,
        "exit_states": flags,
        "work": work,
        "housing": {"dilapidated": c["dilapidated"], "no_power": c["no_power"]},
        "water": {"drinking_difficult": c["drinking_difficult"], "drinking_unsafe": c["drinking_unsafe"]},
    }


def village_findings(store: Store, village_id: int | None = None) -> list[tuple[str, int, Finding]]:
    """Rules V001-V003 on every saved village form (of one village, or all): (village, year, finding)."""
    out: list[tuple[str, int, Finding]] = []
    spec = store.village_forms.spec
    for year in store.village_forms.years(village_id):
        counts = stats.village_counts(store.db, year, village_id)
        for vid, form in store.village_forms.for_year(year).items():
            if village_id is not None and vid != village_id:
                continue
            computed = computed_for(counts.get(vid, {}))
            out.extend((form.village, year, f) for f in check_form(form, computed, spec))
    return out


@dataclass(frozen=True)
class FormSaved:
    """What saving a village form did: the saved form (None when an error refused it), every
    finding, and the change to announce (None when nothing was saved)."""

    saved: VillageForm | None
    findings: list[Finding]
    change: Change | None


def save_form(store: Store, form: VillageForm) -> FormSaved:
    """Check ``form`` and save it unless an error blocks (a required cell empty)."""
    village = store.townships.village_by_id(form.village_id)
    if village is None:
        raise StoreError("这个村已不存在，未保存。")
    counts = stats.village_counts(store.db, form.year, form.village_id).get(form.village_id, {})
    findings = check_form(form, computed_for(counts), store.village_forms.spec)
    if any(f.is_error for f in findings):
        return FormSaved(None, findings, None)
    saved = store.village_forms.save(form, store.operator)
    return FormSaved(saved, findings, Change.of(ChangeKind.VILLAGE_FORM, villages=[village.name], count=1))
