"""The identification year as a state machine: stages, publicity rounds, objections, quotas.

DOMAIN.md §3 and the seed's work plans: a case (one household, one year, one kind) moves through
the stages of its **procedure**; every move is a dated decision (通过 / 不予认定 / 退回 / 不予受理).
The county's policy profile chooses the identification procedure:

- ``national`` (两公示一公告): 农户申请 → 民主评议 → 村委会和驻村工作队核实 → 第一次公示（村）
  → 乡镇审核 → 第二次公示（村）→ 县审定 → 公告 → 建档立卡;
- ``three_level`` (the seed's third plan, 三级复审、三榜公示): 农户申请 → 村民小组初评 → 调查核实 →
  民主评议 → 村公示 (7 天) → 乡镇审核 → 乡公示 (7 天) → 县审批 → 县公示 (15 天) → 村张榜公告 → 建档立卡.

An exit (脱贫) case: 村评议 → 村公示 → 乡核查 → 县审定 → 公告 → 标注脱贫.  A return (返贫) case
walks the identification procedure again, linked to the exit.

The rules this module enforces (each refusal is a :class:`WorkflowError` with a Chinese message):
no path skips a publicity round (a case at a publicity stage leaves it only from a round of that
stage); a round is not left before its end unless an override reason is given (and recorded); an
open objection blocks every move but a refusal; an upheld objection ends the case (不予认定 with
the finding as reason); decisions are never dated before the case's last one; a refusal needs a
reason.  Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum


class WorkflowError(ValueError):
    """A move the process does not allow; ``str(exc)`` says why and what to do, in Chinese."""


class Kind(StrEnum):
    IDENTIFICATION = "identification"
    EXIT = "exit"
    RETURN = "return"


KIND_LABELS = {Kind.IDENTIFICATION: "贫困户识别", Kind.EXIT: "脱贫退出", Kind.RETURN: "返贫识别"}


class Decision(StrEnum):
    PASS = "通过"
    REFUSE = "不予认定"
    RETURN = "退回"
    REJECT = "不予受理"
    APPLY = "申请"
    APPEAL = "申诉"
    APPEAL_UPHELD = "申诉成立"
    APPEAL_DISMISSED = "申诉不成立"


class Status(StrEnum):
    OPEN = "open"
    REFUSED = "refused"
    DONE = "done"


STATUS_LABELS = {Status.OPEN: "办理中", Status.REFUSED: "未通过", Status.DONE: "已完成"}


class Scope(StrEnum):
    """Where a publicity round is posted."""

    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"


SCOPE_LABELS = {Scope.VILLAGE: "村", Scope.TOWNSHIP: "乡镇", Scope.COUNTY: "县"}
#: How many days the county publicity of 三榜公示 lasts (the seed's third plan).
COUNTY_PUBLICITY_DAYS = 15


@dataclass(frozen=True)
class Stage:
    """One step of a procedure.  ``publicity``: a round of that scope must run before leaving it
    (``days`` None: the profile's publicity_days).  ``county``: decided at the county (县审定)."""

    key: str
    label: str
    publicity: Scope | None = None
    days: int | None = None
    county: bool = False
    final: bool = False  # the case is done when it reaches this stage


@dataclass(frozen=True)
class Procedure:
    key: str
    label: str
    stages: tuple[Stage, ...]

    def index(self, key: str) -> int:
        for i, stage in enumerate(self.stages):
            if stage.key == key:
                return i
        raise WorkflowError(f"程序“{self.label}”中没有“{key}”这一步")

    def stage(self, key: str) -> Stage:
        return self.stages[self.index(key)]

    def next(self, key: str) -> Stage:
        i = self.index(key)
        if i + 1 >= len(self.stages):
            raise WorkflowError(f"“{self.stages[i].label}”已是最后一步")
        return self.stages[i + 1]

    def back_to(self, key: str) -> Stage:
        """Where 退回 sends a case at ``key``: the last non-publicity stage before the latest publicity
        round at or before ``key`` -- so the round is run again (no path skips a publicity)."""
        i = self.index(key)
        j = i
        while j > 0 and self.stages[j].publicity is None:
            j -= 1
        if self.stages[j].publicity is None:  # no round before: back to the first step
            return self.stages[0]
        return self.stages[max(j - 1, 0)]

    @property
    def first(self) -> Stage:
        return self.stages[0]

    def days(self, stage: Stage, default_days: int) -> int:
        return stage.days if stage.days is not None else default_days


NATIONAL = Procedure("national", "两公示一公告", (
    Stage("apply", "农户申请"),
    Stage("appraisal", "民主评议"),
    Stage("verify", "村委会和驻村工作队核实"),
    Stage("publicity1", "第一次公示", Scope.VILLAGE),
    Stage("review", "乡镇审核"),
    Stage("publicity2", "第二次公示", Scope.VILLAGE),
    Stage("county", "县审定", county=True),
    Stage("announce", "公告"),
    Stage("registered", "建档立卡", final=True),
))
THREE_LEVEL = Procedure("three_level", "三级复审、三榜公示", (
    Stage("apply", "农户申请"),
    Stage("group", "村民小组初评"),
    Stage("verify", "调查核实"),
    Stage("appraisal", "民主评议"),
    Stage("publicity1", "村公示", Scope.VILLAGE, 7),
    Stage("review", "乡镇审核"),
    Stage("publicity2", "乡公示", Scope.TOWNSHIP, 7),
    Stage("county", "县审批", county=True),
    Stage("publicity3", "县公示", Scope.COUNTY, COUNTY_PUBLICITY_DAYS),
    Stage("announce", "村张榜公告"),
    Stage("registered", "建档立卡", final=True),
))
EXIT = Procedure("exit", "脱贫退出", (
    Stage("exit_appraisal", "村评议"),
    Stage("exit_publicity", "村公示", Scope.VILLAGE),
    Stage("exit_check", "乡核查"),
    Stage("county", "县审定", county=True),
    Stage("announce", "公告"),
    Stage("exited", "标注脱贫", final=True),
))
PROCEDURES = {p.key: p for p in (NATIONAL, THREE_LEVEL)}
# 贫困村 (issue 17): "一公示一公告" -- the village committee applies of its own will, the township
# reviews, the township posts the list, the county decides, the county announces.  A village's exit
# (incidence below the profile's line) walks the same steps.  Cases of villages use these keys.
VILLAGE = Procedure("village", "贫困村识别（一公示一公告）", (
    Stage("village_apply", "村委会自愿申请"),
    Stage("village_review", "乡镇审核"),
    Stage("village_publicity", "贫困村公示", Scope.TOWNSHIP),
    Stage("county", "县审定", county=True),
    Stage("village_announce", "公告"),
    Stage("village_registered", "确定为贫困村", final=True),
))
VILLAGE_EXIT = Procedure("village_exit", "贫困村退出（一公示一公告）", (
    Stage("village_exit_apply", "村委会申请退出"),
    Stage("village_exit_review", "乡镇审核"),
    Stage("village_exit_publicity", "贫困村退出公示", Scope.TOWNSHIP),
    Stage("county", "县审定", county=True),
    Stage("village_exit_announce", "公告"),
    Stage("village_exited", "贫困村退出", final=True),
))
VILLAGE_PROCEDURES = {p.key: p for p in (VILLAGE, VILLAGE_EXIT)}
#: The stages only villages' cases take (the county's 县审定 is shared with households' procedures).
VILLAGE_STAGES = frozenset(s.key for p in VILLAGE_PROCEDURES.values() for s in p.stages) - frozenset(
    s.key for p in (NATIONAL, THREE_LEVEL, EXIT) for s in p.stages)


def procedure(kind: Kind | str, identification: str = NATIONAL.key) -> Procedure:
    """The procedure of a case of ``kind``; ``identification``: the profile's procedure key (or a
    case's stored key: a village's procedure is its own whatever the kind)."""
    if identification in VILLAGE_PROCEDURES:
        return VILLAGE_PROCEDURES[identification]
    if Kind(kind) is Kind.EXIT:
        return EXIT
    return PROCEDURES.get(identification, NATIONAL)


def procedure_by_key(key: str) -> Procedure:
    """A procedure by its stored key (``exit``, a village's or an identification procedure)."""
    if key in VILLAGE_PROCEDURES:
        return VILLAGE_PROCEDURES[key]
    return EXIT if key == EXIT.key else PROCEDURES.get(key, NATIONAL)


def stage_label(key: str) -> str:
    """A stage's Chinese name in any procedure (the key itself if unknown)."""
    for proc in (*PROCEDURES.values(), EXIT, *VILLAGE_PROCEDURES.values()):
        for stage in proc.stages:
            if stage.key == key:
                return stage.label
    return key


# -- the state of one case, as the store reads it ---------------------------------------------
@dataclass(frozen=True)
class Round:
    """A publicity round the case is in, for its current stage."""

    id: int
    stage: str
    start: date
    days: int

    @property
    def end(self) -> date:
        """The last day of publicity (a 7-day round from 1 July runs to 7 July)."""
        return end_date(self.start, self.days)


def end_date(start: date, days: int) -> date:
    return start + timedelta(days=days - 1)


@dataclass(frozen=True)
class CaseState:
    kind: Kind
    stage: str
    status: Status
    last_date: date | None = None
    round: Round | None = None  # the round of the current stage the case is in, if any
    open_objections: int = 0


@dataclass(frozen=True)
class Step:
    """What a move records: the decision taken at ``stage`` and where the case goes."""

    stage: str
    decision: Decision
    to_stage: str
    status: Status
    when: date
    reason: str = ""
    override: str = ""  # the reason given for leaving a round before its end
    warnings: tuple[str, ...] = field(default=())


def _check_date(state: CaseState, when: date) -> None:
    if state.last_date is not None and when < state.last_date:
        raise WorkflowError(f"日期 {when.isoformat()} 早于本案上一条记录的日期 {state.last_date.isoformat()}；"
                            "记录只能按时间顺序添加")


def _check_open(state: CaseState, what: str) -> None:
    if state.status is not Status.OPEN:
        raise WorkflowError(f"本案已{STATUS_LABELS[state.status]}，不能{what}（可先申诉重新开启）")


def plan_advance(proc: Procedure, state: CaseState, when: date, override: str = "") -> Step:
    """通过 at the case's stage: to the next one.  Refused at a county stage (the county decides),
    with an open objection, from a publicity stage without a round, or before the round's end
    without an ``override`` reason."""
    _check_open(state, "推进")
    _check_date(state, when)
    stage = proc.stage(state.stage)
    if state.open_objections:
        raise WorkflowError(f"有 {state.open_objections} 件异议尚未核实处理，处理完毕前不能推进")
    override = override.strip()
    warnings: list[str] = []
    if stage.publicity is not None:
        rnd = state.round
        if rnd is None:
            raise WorkflowError(f"尚未进行{stage.label}：请先开始公示（fupin publicity open），公示期满后再推进")
        if when < rnd.start:
            raise WorkflowError(f"日期 {when.isoformat()} 早于公示开始日 {rnd.start.isoformat()}")
        if when <= rnd.end:
            if not override:
                raise WorkflowError(f"{stage.label}到 {rnd.end.isoformat()} 才期满（还有 {(rnd.end - when).days + 1} 天）；"
                                    "提前结束须写明理由（--override 理由）")
            warnings.append(f"提前结束{stage.label}：{override}")
        else:
            override = ""  # nothing to override: the round has ended
    nxt = proc.next(state.stage)
    return Step(stage.key, Decision.PASS, nxt.key, Status.DONE if nxt.final else Status.OPEN, when,
                override=override, warnings=tuple(warnings))


def plan_county_decision(proc: Procedure, state: CaseState, when: date, approve: bool, reason: str = "") -> Step:
    """The county's decision (县审定): only at a county stage."""
    _check_open(state, "审定")
    _check_date(state, when)
    stage = proc.stage(state.stage)
    if not stage.county:
        raise WorkflowError(f"本案在“{stage.label}”，尚未报县审定")
    if state.open_objections:
        raise WorkflowError(f"有 {state.open_objections} 件异议尚未核实处理，处理完毕前不能审定")
    if approve:
        nxt = proc.next(state.stage)
        return Step(stage.key, Decision.PASS, nxt.key, Status.DONE if nxt.final else Status.OPEN, when)
    return plan_refuse(proc, state, when, reason)


def plan_refuse(proc: Procedure, state: CaseState, when: date, reason: str) -> Step:
    """不予认定 (不予受理 at the application): the case ends; a reason is required."""
    _check_open(state, "作出不予认定")
    _check_date(state, when)
    reason = reason.strip()
    if not reason:
        raise WorkflowError("不予认定（不予受理）须写明理由（--reason 理由），告知书将载明")
    decision = Decision.REJECT if state.stage == proc.first.key else Decision.REFUSE
    return Step(state.stage, decision, state.stage, Status.REFUSED, when, reason=reason)


def plan_return(proc: Procedure, state: CaseState, when: date, reason: str) -> Step:
    """退回: back to the step before the latest publicity round (it runs again)."""
    _check_open(state, "退回")
    _check_date(state, when)
    if not reason.strip():
        raise WorkflowError("退回须写明理由")
    back = proc.back_to(state.stage)
    if back.key == state.stage:
        raise WorkflowError(f"“{proc.stage(state.stage).label}”之前没有可退回的一步")
    return Step(state.stage, Decision.RETURN, back.key, Status.OPEN, when, reason=reason.strip())


def plan_objection_upheld(proc: Procedure, state: CaseState, when: date, finding: str) -> Step:
    """An upheld objection ends the case: 不予认定, the finding as reason."""
    _check_open(state, "处理异议")
    when = max(when, state.last_date) if state.last_date else when
    return Step(state.stage, Decision.REFUSE, state.stage, Status.REFUSED, when,
                reason=f"公示异议经核实成立：{finding.strip() or '（未写核实情况）'}")


def plan_appeal(state: CaseState, when: date, text: str, outcome: bool | None) -> Step:
    """申诉 against a refusal: lodged (``outcome`` None), upheld (the case re-opens at its stage)
    or dismissed."""
    if state.status is not Status.REFUSED:
        raise WorkflowError("只有未通过（不予认定、不予受理）的案件可以申诉")
    _check_date(state, when)
    if not text.strip():
        raise WorkflowError("申诉须写明内容（--text）")
    if outcome is None:
        return Step(state.stage, Decision.APPEAL, state.stage, Status.REFUSED, when, reason=text.strip())
    if outcome:
        return Step(state.stage, Decision.APPEAL_UPHELD, state.stage, Status.OPEN, when, reason=text.strip())
    return Step(state.stage, Decision.APPEAL_DISMISSED, state.stage, Status.REFUSED, when, reason=text.strip())


def check_objection(state: CaseState, when: date) -> None:
    """An objection is heard while the case is in a round of its current stage, from its first day."""
    if state.status is not Status.OPEN or state.round is None:
        raise WorkflowError("该户不在这一轮公示中（或已离开公示阶段），不能登记异议")
    if when < state.round.start:
        raise WorkflowError(f"异议受理日期 {when.isoformat()} 早于公示开始日 {state.round.start.isoformat()}")


# -- quotas ------------------------------------------------------------------------------------
def quota_warning(place: str, quota: int | None, before: int, after: int) -> str | None:
    """The warning when a move takes ``place`` beyond its quota of persons (None when within, when
    it adds nobody, or when no quota is set)."""
    if quota is None or after <= before or after <= quota:
        return None
    return f"{place}超出识别规模：规模 {quota} 人，推进后 {after} 人（多 {after - quota} 人）"


#: The stages from which a case's persons count against the quota (the 初选名单 on).
def counts_for_quota(proc: Procedure, stage: str) -> bool:
    keys = [s.key for s in proc.stages]
    first_counted = "verify" if "verify" in keys else keys[1]
    return stage in keys and keys.index(stage) >= keys.index(first_counted)


def village_quota_warning(quota: int | None, before: int, after: int) -> str | None:
    """The warning when a move takes the township beyond its quota of poor villages."""
    if quota is None or after <= before or after <= quota:
        return None
    return f"全乡超出贫困村规模：规模 {quota} 个村，推进后 {after} 个（多 {after - quota} 个）"


def village_counts_for_quota(stage: str) -> bool:
    """A village counts against the quota from the township's review on (and once registered)."""
    keys = [s.key for s in VILLAGE.stages]
    return stage in keys and keys.index(stage) >= keys.index("village_review")


def village_exit_problems(incidence: Decimal | None, line: Decimal) -> list[str]:
    """Why a poor village may not leave the list: its 贫困发生率 is not below the profile's line."""
    if incidence is None:
        return ["没有该年度的贫困村登记表（总人口），无法计算贫困发生率：先填写登记表"]
    if incidence >= line:
        return [f"贫困发生率 {incidence}% 未降到政策参数规定的 {line}% 以下"]
    return []


# -- exits ---------------------------------------------------------------------------------------
#: 两不愁三保障, in the order of the 2016 exit standard.
GUARANTEES = ("不愁吃", "不愁穿", "义务教育有保障", "基本医疗有保障", "住房安全有保障")
#: 贫困户属性 before exit → after (NATIONAL.md §1, national check 57), and back on a return.
AFTER_EXIT = {"一般贫困户": "一般农户", "低保贫困户": "低保户", "五保贫困户": "五保户"}
AFTER_RETURN = {v: k for k, v in AFTER_EXIT.items()}
EXITED = "已脱贫（享受政策）"
RETURNED = "返贫"
EXITED_FLAGS = frozenset({EXITED, "已脱贫（不再享受政策）"})


@dataclass(frozen=True)
class ExitCheck:
    """The exit test of one household: its income against the year's line and 两不愁三保障."""

    income: float | None
    line: float | None
    guarantees: dict[str, tuple[bool, str]]  # item -> (met, note)

    def problems(self) -> list[str]:
        out = []
        if self.line is None:
            out.append("政策参数中没有该年度的扶贫标准，无法判断收入是否达标")
        elif self.income is None:
            out.append("该户未填写年人均纯收入")
        elif self.income <= self.line:
            out.append(f"年人均纯收入 {self.income:g} 元未超过扶贫标准 {self.line:g} 元")
        for item in GUARANTEES:
            met, note = self.guarantees.get(item, (True, ""))
            if not met:
                out.append(f"{item}未达到{('（' + note + '）') if note else ''}")
        return out


def exit_guarantees(unmet: dict[str, str]) -> dict[str, tuple[bool, str]]:
    """The five answers from the items named unmet (with notes); unknown names are refused."""
    bad = [k for k in unmet if k not in GUARANTEES]
    if bad:
        raise WorkflowError(f"“{bad[0]}”不是两不愁三保障的一项（可选：{'、'.join(GUARANTEES)}）")
    return {item: (item not in unmet, unmet.get(item, "")) for item in GUARANTEES}


# -- records from two places (the township's and the county's) --------------------------------------
@dataclass(frozen=True)
class Position:
    stage: str
    status: Status
    last_date: date


def replay(proc: Procedure, records: list[tuple[date, str, str, str]], start: str) -> Position:
    """Where a case stands after its records ``(date, recorded_at, to_stage, decision)``, taken in
    date order: the county's decisions and the township's records merged (sync)."""
    stage, status, last = start, Status.OPEN, date.min
    for when, _recorded, to_stage, decision in sorted(records):
        stage, last = to_stage, max(last, when)
        if decision in (Decision.REFUSE, Decision.REJECT, Decision.APPEAL, Decision.APPEAL_DISMISSED):
            status = Status.REFUSED
        elif decision == Decision.PASS and to_stage in [s.key for s in proc.stages] and proc.stage(to_stage).final:
            status = Status.DONE
        else:
            status = Status.OPEN
    return Position(stage, status, last)
