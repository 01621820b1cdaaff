"""The program's log: where it is, that it rotates, and that nothing personal gets into it."""

from __future__ import annotations

import logging
import logging.handlers
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fupin_desktop import applog
from fupin_desktop.store import StoreError

ID = "51082219700501013X"
PHONE = "13908391234"


@pytest.fixture
def logfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(applog.LOG_DIR_ENV, str(tmp_path / "logs"))
    path = applog.configure()
    assert path == tmp_path / "logs" / "fupin.log"
    yield path
    monkeypatch.undo()
    applog.configure()  # back to the session's folder


def text_of(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("raw, kept, gone", [
    (f"身份证号“{ID}”第18位校验码应为“7”，录入的是“3”", "第18位校验码应为“…”", [ID, "“7”"]),
    (f"phone {PHONE} and 0839-7201234 and 139 0839 1234", "phone [号码]", [PHONE, "7201234", "0839 1234"]),
    ("户主张三的家庭人口不对", "户主…", ["张三"]),
    ("帮扶责任人：李四", "帮扶责任人：…", ["李四"]),
    ("恢复 张三丰户（户编号 5108221050010099）会与现有的户重复", "恢复 …户（户编号 [号码]）", ["张三丰"]),
    ("王小二 的身份证号 51082219700501013X 已在 阿依·木沙户（编号 12）中", "… 的身份证号 [号码] 已在 …户（编号 12）中",
     ["王小二", "阿依", "木沙"]),
    ("李四的性别填“男”", "…的性别填“…”", ["李四"]),
    ("KeyError: '王小明'", "KeyError: '…'", ["王小明"]),
    ("名字「赵六」和『钱七』和 \"孙八\"", "「…」", ["赵六", "钱七", "孙八"]),
    ("没有闭合的“周九 到行尾", "没有闭合的“…", ["周九"]),
    ("６２２２０２１２３４５６７８９０", "[号码]", ["６２２２"]),
    ("can't open the file 'x.db', it isn't there", "can't open", ["x.db"]),
    ("第 3 批 共 12 户 2026-12", "第 3 批 共 12 户", []),
    ("出生日期不是有效日期（1970年02月只有28天），出生于 1970-05-01", "（[日期]只有28天）", ["1970", "05-01"]),
    ("茶坝乡兴龙村2015年度建档立卡贫困户第一次公示", "2015年度", []),
])
def test_scrub_masks_personal_values(raw: str, kept: str, gone: list[str]) -> None:
    out = applog.scrub(raw)
    assert kept in out
    for text in gone:
        assert text not in out


def test_paths_keep_their_ascii_parts_only() -> None:
    assert applog.pathref(Path("/home/clerk/张三家/13908391234.xlsx")) == "/home/clerk/…/[号码].xlsx"
    assert applog.pathref("C:\\Users\\clerk\\茶坝乡-2026-12-06-1430-import.db").endswith("…-2026-12-06-1430-import.db")


def test_log_file_is_in_the_user_log_folder_unless_overridden(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_log_dir

    monkeypatch.delenv(applog.LOG_DIR_ENV)
    assert applog.log_dir() == Path(user_log_dir("fupin-desktop", appauthor=False))
    monkeypatch.setenv(applog.LOG_DIR_ENV, "/srv/county-logs")
    assert applog.log_file() == Path("/srv/county-logs/fupin.log")


def test_records_are_scrubbed_but_ids_counts_and_classes_kept(logfile: Path) -> None:
    log = logging.getLogger("fupin_desktop.test")
    log.info("opened file=%s households=%d", Path("/data/李小红/town.db"), 1234567)
    applog.refused(log, "save household", StoreError(f"成员王芳的身份证号“{ID}”不对，请改正"), household=42)
    log.warning(f"an f-string with {PHONE} and 户主刘强")
    # Python's and libraries' messages are English: Chinese in them can only be data.
    applog.refused(log, "import", ValueError("invalid literal for int() with base 10: 张小明"))
    text = text_of(logfile)
    assert "opened file=/data/…/town.db households=1234567" in text
    assert "refused save household household=42: StoreError: 成员…" in text and "“…”不对，请改正" in text
    assert "refused import: ValueError: invalid literal for int() with base 10: …" in text
    for secret in (ID, PHONE, "李小红", "王芳", "刘强", "张小明"):
        assert secret not in text


def test_opaque_exceptions_keep_their_class_only(logfile: Path) -> None:
    from fupin_desktop.store import ConcurrentEdit

    log = logging.getLogger("fupin_desktop.test")
    applog.refused(log, "save household", ConcurrentEdit("联系电话 改为 13908391234，户主 张三"), household=7)
    try:
        raise ConcurrentEdit("户主 张三 的联系电话改为 13908391234")
    except ConcurrentEdit as exc:
        applog.uncaught(log, exc)
    text = text_of(logfile)
    assert "refused save household household=7: ConcurrentEdit" in text
    assert "张三" not in text and "13908391234" not in text


def raise_with(name: str, number: str) -> None:
    try:
        {}[name]
    except KeyError as exc:
        raise RuntimeError(f"save failed for {number}") from exc


def test_tracebacks_keep_frames_and_code_but_not_data(logfile: Path) -> None:
    log = logging.getLogger("fupin_desktop.test")
    try:
        raise_with("阿依古丽·买买提", ID)
    except RuntimeError as exc:
        applog.uncaught(log, exc, "a test")
    text = text_of(logfile)
    assert "uncaught exception in a test" in text
    assert "test_applog.py\", line" in text and "in raise_with" in text
    assert "{}[name]" in text  # the program's own source line
    assert "KeyError: '…'" in text and "RuntimeError: save failed for [号码]" in text
    assert "The above exception was the direct cause" in text
    assert "买买提" not in text and ID not in text


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_uncaught_exceptions_in_threads_are_logged(logfile: Path) -> None:
    def work() -> None:
        raise ValueError(f"bad phone {PHONE}")

    thread = threading.Thread(target=work, name="worker-x")
    thread.start()
    thread.join()
    text = text_of(logfile)
    assert "uncaught exception in thread worker-x" in text
    assert "ValueError: bad phone [号码]" in text and PHONE not in text


def test_the_log_rotates_at_its_size(logfile: Path) -> None:
    log = logging.getLogger("fupin_desktop.test")
    for i in range(applog.MAX_BYTES // 100 * 2):
        log.info("line %d %s", i, "x" * 80)
    assert logfile.stat().st_size <= applog.MAX_BYTES
    assert (logfile.parent / "fupin.log.1").exists()
    assert len(list(logfile.parent.glob("fupin.log*"))) <= 1 + applog.BACKUP_COUNT


def test_a_log_folder_that_cannot_be_made_never_stops_the_program(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv(applog.LOG_DIR_ENV, str(blocker / "logs"))
    try:
        assert applog.configure() is None
        logging.getLogger("fupin_desktop.test").error("still running")
    finally:
        monkeypatch.undo()
        applog.configure()


def test_a_log_file_that_cannot_be_written_is_given_up_quietly(logfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler))
    handler.close()
    handler.baseFilename = str(logfile.parent)  # a folder: opening it fails, as on a full or locked disk
    logging.getLogger("fupin_desktop.test").error("goes nowhere")
    assert "Logging error" not in capsys.readouterr().err


def test_refused_keeps_ids_as_numbers(logfile: Path) -> None:
    applog.refused(logging.getLogger("fupin_desktop.test"), "save household", StoreError("磁盘空间已满"),
                   household=1234567, file=Path("/data/张三.xlsx"))
    assert "refused save household household=1234567 file=/data/….xlsx: StoreError: 磁盘空间已满" in text_of(logfile)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_exceptions_in_del_are_logged(logfile: Path) -> None:
    class Closing:
        def __del__(self) -> None:
            raise OSError(28, f"No space left on device: {PHONE}")

    Closing()
    text = text_of(logfile)
    assert "Closing.__del__" in text and "No space left on device" in text and PHONE not in text


def test_fupin_log_path_tells_where_the_log_is(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, applog.LOG_DIR_ENV: str(tmp_path / "it")}
    done = subprocess.run([sys.executable, "-m", "fupin_desktop", "log-path", "--json"], capture_output=True,
                          text=True, encoding="utf-8", env=env, check=True)
    assert json.loads(done.stdout) == {"log_dir": str(tmp_path / "it"), "log_file": str(tmp_path / "it" / "fupin.log")}
    assert "start log-path" in (tmp_path / "it" / "fupin.log").read_text(encoding="utf-8")


def test_an_unexpected_error_in_a_command_is_logged_with_its_traceback(
        logfile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop import cli

    def broken(args: object) -> int:
        raise OverflowError(f"int too large: {ID}")

    monkeypatch.setattr(cli, "cmd_check_id", broken)
    assert cli.main(["check-id", ID]) == cli.EXIT_ERROR  # one Chinese line on stderr, no traceback
    text = text_of(logfile)
    assert "uncaught exception in check-id" in text and "OverflowError: int too large: [号码]" in text
    assert "in broken" in text and ID not in text


def test_a_rotation_another_program_prevents_goes_on_in_the_same_file(logfile: Path) -> None:
    """On Windows another running program keeps the old files from being renamed: nothing is lost."""
    log = logging.getLogger("fupin_desktop.test")
    log.info("first")
    (logfile.parent / "fupin.log.4").write_text("older\n", encoding="utf-8")
    blocked = logfile.parent / "fupin.log.5"
    blocked.mkdir()
    (blocked / "in-use").write_text("x", encoding="utf-8")  # removing it fails, as an open file would
    count = applog.MAX_BYTES // 100 + 50
    for i in range(count):
        log.info("line %d %s", i, "x" * 80)
    text = text_of(logfile)
    assert "first" in text and f"line {count - 1} " in text
    assert logfile.stat().st_size > applog.MAX_BYTES  # kept growing rather than losing lines


def test_a_command_without_a_usable_log_folder_still_says_only_its_message(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    env = {**os.environ, applog.LOG_DIR_ENV: str(blocker / "logs")}
    done = subprocess.run([sys.executable, "-m", "fupin_desktop", "show", "--db", str(tmp_path / "none.db"), "1"],
                          capture_output=True, text=True, encoding="utf-8", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：数据库") and done.stderr.count("\n") == 1, done.stderr


def test_paths_and_file_names_inside_messages_keep_their_ascii_parts_only() -> None:
    assert applog.scrub("无法写入 /no/such/张三家/李四.xlsx：No such file") == "无法写入 /no/such/…/….xlsx：No such file"
    assert applog.scrub("D:\\扶贫\\王五.db 不存在") == "D:\\…\\….db 不存在"
    assert applog.scrub("读取赵六.xlsx失败") == "….xlsx失败"
    assert applog.scrub("fupin=0.1.0 已导入 3/5 批") == "fupin=0.1.0 已导入 3/5 批"


def test_a_huge_message_is_cut() -> None:
    out = applog.scrub("x" * 100_000)
    assert len(out) < applog.MAX_TEXT + 50 and out.endswith("…（已截断）")
