"""Who may do what: the users' roles and the one table of permissions (issue 18).

Three roles, each one able to do what the one before it may and more:

* 录入员 keys in and corrects households;
* 审核员 also runs the identification workflow's decisions, approves corrections, imports, prints
  and exports full personal data and reads the audit trail;
* 管理员 also manages users, the policy profile, sync keys, backups and restore.

:data:`PERMISSIONS` is the only place that says which role may do an action: services ask
:func:`may` (through ``store.require``), the GUI asks it to grey out what a role may not do, and
the refusal message names the roles from it (:func:`who_may`).  A new protected action is one line
here (and a ``store.require(Action.X)`` where it is done).
"""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    """A user's role; the value is the Chinese name the clerk sees and types."""

    CLERK = "录入员"
    REVIEWER = "审核员"
    ADMIN = "管理员"


class Action(StrEnum):
    """A protected action; the value is its Chinese description (used in refusals and the audit)."""

    EDIT_HOUSEHOLD = "录入和修改户档案"
    DELETE_HOUSEHOLD = "删除户"
    RESTORE_HOUSEHOLD = "恢复已删除的户"
    IMPORT_EXCEL = "导入 Excel"
    EXPORT_ROSTER = "导出花名册"
    EXPORT_FULL = "导出完整的扶贫手册 Excel"
    PRINT_NOTICE = "打印公示公告和空白表"
    PRINT_FULL = "打印登记卡和扶贫手册"
    SEE_FULL_IDS = "在列表中查看完整的证件号码、银行账号和电话"
    DECIDE = "识别流程的审核决定和批准更正"
    READ_AUDIT = "查看操作记录"
    SYNC = "数据交换（导出、导入批次）"
    SYNC_KEYS = "管理数据交换的密钥"
    POLICY = "修改政策参数"
    BACKUP = "备份与恢复"
    USERS = "管理用户"
    ENCRYPTION = "加密或解密数据库"
    CARRY_OVER = "结转下一年度"
    EDIT_VILLAGE = "录入和修改贫困村登记表"
    EDUCATION = "录入教育资助的学生和申请"


_ALL = frozenset(UserRole)
_REVIEW = frozenset({UserRole.REVIEWER, UserRole.ADMIN})
_ADMIN = frozenset({UserRole.ADMIN})

#: action -> the roles that may do it (the one declaration of the program's permissions).
PERMISSIONS: dict[Action, frozenset[UserRole]] = {
    Action.EDIT_HOUSEHOLD: _ALL,
    Action.DELETE_HOUSEHOLD: _REVIEW,
    Action.RESTORE_HOUSEHOLD: _REVIEW,
    Action.IMPORT_EXCEL: _REVIEW,
    Action.EXPORT_ROSTER: _ALL,
    Action.EXPORT_FULL: _REVIEW,
    Action.PRINT_NOTICE: _ALL,
    Action.PRINT_FULL: _REVIEW,
    Action.SEE_FULL_IDS: _REVIEW,
    Action.DECIDE: _REVIEW,
    Action.READ_AUDIT: _REVIEW,
    Action.SYNC: _REVIEW,
    Action.SYNC_KEYS: _ADMIN,
    Action.POLICY: _ADMIN,
    Action.BACKUP: _ADMIN,
    Action.USERS: _ADMIN,
    Action.ENCRYPTION: _ADMIN,
    Action.CARRY_OVER: _REVIEW,
    Action.EDIT_VILLAGE: _ALL,
    Action.EDUCATION: _ALL,
}


def may(role: UserRole | str, action: Action) -> bool:
    """Whether ``role`` may do ``action`` (an unknown role may do nothing)."""
    try:
        return UserRole(role) in PERMISSIONS[action]
    except ValueError:
        return False


def who_may(action: Action) -> str:
    """The roles that may do ``action``, in the clerk's words (“审核员或管理员”)."""
    return "或".join(r.value for r in UserRole if r in PERMISSIONS[action])


def parse_role(text: str) -> UserRole:
    """A role typed by the clerk; ValueError (in Chinese) naming the three roles otherwise."""
    try:
        return UserRole(text.strip())
    except ValueError:
        raise ValueError(f"角色“{text}”不存在：只能是 {'、'.join(r.value for r in UserRole)}。") from None


#: The field types that hold personal numbers, masked where the viewer may not see them whole.
MASKED_TYPES = frozenset({"id_number", "phone", "bank_account"})


def mask_value(kind: str, value: str) -> str:
    """``value`` of a field of type ``kind`` as someone without the right sees it: an ID number as
    its first 6 and last 4 (idnumber.mask_id), a phone or a bank account as its last 4 only."""
    from fupin_desktop.domain.idnumber import mask_id

    if not value or kind not in MASKED_TYPES:
        return value
    if kind == "id_number":
        return mask_id(value)
    keep = value[-4:] if len(value) > 6 else ""
    return "*" * (len(value) - len(keep)) + keep
