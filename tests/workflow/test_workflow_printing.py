"""The round notice, the appraisal sheet and the 告知书, read back with pdftotext and rendered
with pdftoppm (poppler-utils, which .ci/run installs); the Excel sheet read back with openpyxl."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fupin_desktop.casework import core, publicity, quotas
from fupin_desktop.cli import main
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.printing import casework as docs
from fupin_desktop.printing.service import PrintError

D = date


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          text=True).stdout


def renders(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = list(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)


def test_round_notice_prints_exactly_its_households_without_full_ids(town, tmp_path: Path) -> None:
    store, lu, xing = town
    core.apply(store, lu[:3] + xing, D(2016, 6, 1))
    for day in (2, 3, 4):
        core.advance(store, lu[:2] + xing, D(2016, 6, day))
    rnd = publicity.open_round(store, D(2016, 6, 5), village="炉场村", phone="0839-1234567").value
    out = tmp_path / "notice.pdf"
    result = docs.print_round_notice(store, rnd.id, out)
    assert result.households == 2
    text = text_of(out)
    masked = {i: mask_id(store.households.get(i).fields["head_id_number"]) for i in lu + xing}
    assert masked[lu[0]] in text and masked[lu[1]] in text
    assert masked[lu[2]] not in text and masked[xing[0]] not in text  # not in this round
    assert "2016年6月5日至2016年6月11日" in re.sub(r"\s", "", text) and "0839-1234567" in text
    for i in lu[:2]:
        full = store.households.get(i).fields["head_id_number"]
        assert full not in text and full[:6] in text
    assert not re.search(r"\d{17}[\dX]", text)
    renders(out, tmp_path)
    with pytest.raises(PrintError, match="没有编号为 99"):
        docs.print_round_notice(store, 99, tmp_path / "x.pdf")


def test_appraisal_sheet_ranked_with_the_quota_line(town, tmp_path: Path) -> None:
    store, lu, _ = town
    quotas.set_quota(store, 6, year=2016, village="炉场村")
    core.apply(store, lu, D(2016, 6, 1))
    pdf, xlsx = tmp_path / "appraisal.pdf", tmp_path / "appraisal.xlsx"
    result = docs.print_appraisal(store, "炉场村", pdf, xlsx=xlsx)
    assert result.households == 4
    text = text_of(pdf)
    assert "民主评议表" in text and "规模线" in re.sub(r"[\s—]", "", text)
    sheet = load_workbook(xlsx).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    incomes = [float(r[4]) for r in rows if r[0]]
    assert incomes == sorted(incomes)
    line = next(i for i, r in enumerate(rows) if str(r[7]).startswith("规模线"))
    assert sum(int(r[3]) for r in rows[:line]) <= 6 < sum(int(r[3]) for r in rows[:line + 2] if r[0])
    assert not any(store.households.get(i).fields["head_id_number"] in text for i in lu)
    renders(pdf, tmp_path)


def test_refusal_letter_names_reason_and_appeal(town, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, lu, _ = town
    core.apply(store, lu[:2], D(2016, 6, 1))
    core.refuse(store, lu[:1], D(2016, 6, 3), "家庭人均纯收入明显高于扶贫标准")
    number = store.households.get(lu[0]).fields["number"]
    path = store.path
    store.close()
    out = tmp_path / "refusal.pdf"
    assert main(["print", "refusal", number, "--db", str(path), "--out", str(out)]) == 0
    text = re.sub(r"\s", "", text_of(out))
    assert "不予受理告知书" in text and "明显高于扶贫标准" in text
    assert "青川县扶贫开发领导小组办公室（县扶贫办）提出申诉" in text
    renders(out, tmp_path)
    second = str(lu[1])
    capsys.readouterr()
    assert main(["print", "refusal", second, "--db", str(path), "--out", str(tmp_path / "n.pdf")]) == 2
    assert "没有不予认定" in capsys.readouterr().err
    assert not (tmp_path / "n.pdf").exists()
