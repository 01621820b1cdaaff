"""Issue 13 item 5: no code decides anything by reading the wording of a Chinese message.

A caller that needs to tell one refusal from another catches a typed exception (``WrongPassphrase``,
``EmptySheet``, ``BackupFailed.why`` ...); this test reads every module and fails on a comparison,
``startswith``/``endswith``/``removeprefix``/``removesuffix``/``find``/``index``/``replace`` or ``re``
match whose text is Chinese and whose subject is an exception's text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import fupin_desktop

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PACKAGE = Path(fupin_desktop.__file__).parent
STRING_METHODS = {"startswith", "endswith", "removeprefix", "removesuffix", "find", "index", "count", "replace",
                  "split", "partition"}
RE_FUNCTIONS = {"search", "match", "fullmatch", "findall"}


def _chinese(node: ast.AST) -> bool:
    """Chinese words written in the code: a string constant, or a tuple/list/set of them."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_chinese(e) for e in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(CJK.search(node.value))


def _message_text(node: ast.AST, names: set[str]) -> bool:
    """``str(exc)``, ``exc.args[0]``, ``f"{exc}"`` or a name bound to such text, ``exc`` an except target."""
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "repr"):
        return any(_message_text(a, names) for a in node.args)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):  # str(exc).lower(), .strip()...
        return _message_text(node.func.value, names)
    if isinstance(node, ast.Subscript):
        return _message_text(node.value, names)
    if isinstance(node, ast.Attribute):
        return node.attr == "args" and _message_text(node.value, names)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) and _message_text(v.value, names) for v in node.values)
    return False


_EXCEPTION_WORDS = re.compile(r"Exception|Error|Refused|Failed|Passphrase|Sheet")


def _exception_scopes(tree: ast.AST) -> list[tuple[ast.AST, set[str]]]:
    """Each ``except ... as exc:`` body, and each function taking an exception (``exc: BaseException``,
    ``error``...), with the names that hold the exception there."""
    scopes: list[tuple[ast.AST, set[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.name is not None:
            scopes.append((node, {node.name}))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            names = {a.arg for a in args if a.arg in ("exc", "error", "err", "e")
                     or (a.annotation is not None and _EXCEPTION_WORDS.search(ast.unparse(a.annotation)))}
            if names:
                scopes.append((node, names))
    return scopes


def branches_on_wording(source: str) -> list[int]:
    tree = ast.parse(source)
    lines: set[int] = set()
    for handler, names in _exception_scopes(tree):
        for node in ast.walk(handler):  # text taken from the exception: text = str(exc)
            if isinstance(node, ast.Assign) and _message_text(node.value, names):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in ast.walk(handler):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq))
                                                     for op in node.ops):
                sides = [node.left, *node.comparators]
                if any(_chinese(s) for s in sides) and any(_message_text(s, names) for s in sides):
                    lines.add(node.lineno)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                if attr in STRING_METHODS and _message_text(node.func.value, names) and any(
                        _chinese(a) for a in node.args):
                    lines.add(node.lineno)
                elif attr in RE_FUNCTIONS and any(_chinese(a) for a in node.args) and any(
                        _message_text(a, names) for a in node.args):
                    lines.add(node.lineno)
    return sorted(lines)


def test_the_scan_finds_the_patterns_it_forbids() -> None:
    bad = '''
try:
    pass
except Exception as exc:
    if "口令不正确" in str(exc):
        pass
    text = str(exc)
    why = text.removeprefix("备份没有完成。")
    if re.search("是空的", f"{exc}"):
        pass
'''
    assert branches_on_wording(bad) == [5, 8, 9]
    callback = '''
def failed(exc: BaseException) -> None:
    if isinstance(exc, SyncError) and "口令不正确" in str(exc):
        pass
'''
    assert branches_on_wording(callback) == [3]  # the GUI's failure callback before issue 13
    fine = '''
try:
    pass
except Exception as exc:
    if isinstance(exc, KeyError) and "no such table" in str(exc):
        pass
    message = f"操作失败：{exc}"
'''
    assert branches_on_wording(fine) == []


def test_no_module_branches_on_the_wording_of_a_chinese_message() -> None:
    found = {str(path.relative_to(PACKAGE)): lines for path in sorted(PACKAGE.rglob("*.py"))
             if (lines := branches_on_wording(path.read_text(encoding="utf-8")))}
    assert found == {}
