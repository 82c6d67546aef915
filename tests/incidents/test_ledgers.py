"""The enterprise's ledgers (seed 000, 辅助表2–4): the yearly accident table by month with its totals (page, xlsx),
required fields and ranges, the investigation record (page, PDF), penalties and sanctions with their totals, the
联合惩戒 flag in the regulators' list and on the archive page, and the change history."""
import datetime
import io
import itertools
import re
import subprocess
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import form_data, messages_of
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.incidents import ledger
from worksafe.incidents.io import ACCIDENT_HEADERS, PENALTY_HEADERS
from worksafe.incidents.models import Accident, AccidentKind, AccidentType, Investigation, Penalty, PenaltyKind, PenaltyState, sanctioned

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
Y = TODAY.year - 1  # a whole past year: every month of it can hold accidents
D = datetime.date

INVESTIGATION = {
    "number": "DC-0001", "subject": "一车间叉车班组", "team_lead": "王调查", "team_members": "李组员、赵组员",
    "course": "叉车倒车时未鸣笛撞伤路过员工左腿", "direct_causes": "司机未观察后方情况", "indirect_causes": "厂内道路未划分人行通道",
    "direct_responsibility": "叉车司机孙某负直接责任", "leadership_responsibility": "车间主任周某负领导责任",
    "loss_description": "医疗及误工费用三点七五万元", "training": "组织全员观看叉车事故警示片", "handling_opinion": "对司机处以罚款五百元",
    "corrective_actions": "划设人行通道并加装倒车雷达", "confirmed_by": "生产部吴确认", "reviewed_by": "安环部郑审核",
    "approved_by": "总经理冯批准", "follow_up": "人行通道已于次周划设完毕", "follow_up_reviewed_by": "安环部陈复核",
}


# ---- helpers (also used by test_scope and the browser test) ----


def create_accident(e, on, name="员工搬运物料时砸伤脚部", **fields):
    fields = {"kind": AccidentKind.ACCIDENT, "category": AccidentType.WORK_INJURY, "recorded_by": "张统计", **fields}
    return Accident.objects.create(enterprise=e, occurred_on=on, name=name, **fields)


def create_investigation(a, on=None, **fields):
    values = {**INVESTIGATION, **fields}
    return Investigation.objects.create(accident=a, investigated_on=on or a.occurred_on + datetime.timedelta(days=2), **values)


def create_penalty(e, on, kind=PenaltyKind.FINE, state=PenaltyState.DONE, **fields):
    fields = {"department": "金水区应急管理局", "reason": "未按规定开展隐患排查治理", **fields}
    return Penalty.objects.create(enterprise=e, imposed_on=on, kind=kind, state=state, **fields)


def accident_post(**overrides):
    data = {"occurred_on": f"{Y}-05-06", "name": "叉车倒车撞伤员工", "kind": "accident", "category": "injury",
            "gb_category": "02", "deaths": "0", "serious_injuries": "1", "minor_injuries": "2", "direct_loss": "3.75",
            "recorded_by": "张统计"}
    return {**data, **overrides}


def investigation_post(on, **overrides):
    return {**INVESTIGATION, "investigated_on": str(on), **overrides}


def penalty_post(**overrides):
    data = {"imposed_on": f"{Y}-04-01", "kind": "fine", "department": "金水区应急管理局", "reason": "未按规定开展隐患排查治理",
            "state": "done"}
    return {**data, **overrides}


def field_errors(response, field):
    assert response.status_code == 200, response.status_code
    return [str(e) for e in response.context["form"].errors.get(field, [])]


class _Table(HTMLParser):
    """The rows of the <table data-testid=…> in a page: {"thead"|"tbody"|"tfoot": [{"attrs", "cells"}]}."""

    def __init__(self, testid):
        super().__init__()
        self.testid, self.depth, self.section, self.cell = testid, 0, None, None
        self.rows = {"thead": [], "tbody": [], "tfoot": []}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth or attrs.get("data-testid") == self.testid:
                self.depth += 1
        elif not self.depth:
            return
        elif tag in self.rows:
            self.section = tag
        elif tag == "tr":
            self.rows[self.section].append({"attrs": attrs, "cells": []})
        elif tag in ("td", "th"):
            self.cell = {"attrs": attrs, "text": ""}
            self.rows[self.section][-1]["cells"].append(self.cell)

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if self.depth and self.cell is not None:
            self.cell["text"] += data


def table(html, testid):
    parser = _Table(testid)
    parser.feed(html)
    assert parser.rows["thead"], f"no table {testid}"
    for rows in parser.rows.values():
        for row in rows:
            for cell in row["cells"]:
                cell["text"] = re.sub(r"\s+", " ", cell["text"]).strip()
    return parser.rows


def month_groups(html):
    """The accident table's body as [(month label, [cell texts of each row])]: a month's first cell spans its rows."""
    groups = []
    for row in table(html, "accident-year")["tbody"]:
        texts = [c["text"] for c in row["cells"]]
        if re.fullmatch(r"\d\d", texts[0]):
            groups.append((texts[0], []))
            texts = texts[1:]
        groups[-1][1].append(texts)
    return groups


def data_totals(html):
    return dict(re.findall(r'data-total="(\w+)"[^>]*>([^<]*)<', html))


def casualties(text):
    """"死亡1人、重伤1人、轻伤2人" → {"死亡": 1, "重伤": 1, "轻伤": 2}."""
    return {k: int(n) for k, n in re.findall(r"(死亡|重伤|轻伤)(\d+)人", text)}


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(body)).worksheets[0]


def pdf_text(response, tmp_path):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "investigation.pdf"
    path.write_bytes(response.content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def changes(obj):
    return list(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)),
                                            object_id=str(obj.pk)).order_by("id"))


# ---- 辅助表2: the year by month ----


@pytest.fixture
def year_rows(enterprise, other_enterprise):
    """金水's accidents of year Y, created out of date order, and some that must be left out."""
    rows = {
        "fire": create_accident(enterprise, D(Y, 3, 20), "配电室电缆短路起火", category=AccidentType.FIRE, minor_injuries=1,
                                direct_loss=Decimal("2.50")),
        "crush": create_accident(enterprise, D(Y, 3, 5), "检修作业时手部被夹伤", serious_injuries=1, minor_injuries=2,
                                 direct_loss=Decimal("10.25")),
        "leak": create_accident(enterprise, D(Y, 3, 5), "危废暂存间少量泄漏", kind=AccidentKind.INCIDENT,
                                category=AccidentType.OTHER, direct_loss=Decimal("0.40")),
        "death": create_accident(enterprise, D(Y, 7, 1), "行车钢丝绳断裂", category=AccidentType.EQUIPMENT, deaths=1,
                                 direct_loss=Decimal("100.00"), gb_category_id="04"),
        "smoke": create_accident(enterprise, D(Y, 12, 31), "仓库纸箱阴燃冒烟", kind=AccidentKind.INCIDENT,
                                 category=AccidentType.FIRE, direct_loss=Decimal("0.05")),
        # Left out: the years around it, and the other enterprise's year.
        "next_year": create_accident(enterprise, D(Y + 1, 1, 1), "次年元旦事故", deaths=3, direct_loss=Decimal("999")),
        "last_year": create_accident(enterprise, D(Y - 1, 12, 31), "上年除夕事故", minor_injuries=5, direct_loss=Decimal("7")),
        "erqi": create_accident(other_enterprise, D(Y, 3, 6), "二七企业事故", deaths=2, direct_loss=Decimal("50")),
    }
    return rows


EXPECTED_MONTHS = {3: ["检修作业时手部被夹伤", "危废暂存间少量泄漏", "配电室电缆短路起火"], 7: ["行车钢丝绳断裂"], 12: ["仓库纸箱阴燃冒烟"]}
EXPECTED_TOTAL = {"accidents": 3, "incidents": 2, "deaths": 1, "serious_injuries": 1, "minor_injuries": 3,
                  "direct_loss": Decimal("113.20")}


def totals_dict(t):
    return {k: getattr(t, k) for k in EXPECTED_TOTAL}


def test_it_lays_the_year_out_by_month_with_totals(enterprise, year_rows):
    months, total = ledger.accident_year(Accident.objects.filter(enterprise=enterprise), Y)
    assert [m.month for m in months] == list(range(1, 13))
    assert {m.month: [a.name for a in m.rows] for m in months if m.rows} == EXPECTED_MONTHS
    for m in months:
        if not m.rows:  # an empty month is a row of zeros
            assert totals_dict(m.totals) == {k: 0 for k in EXPECTED_TOTAL}
    assert totals_dict(months[2].totals) == {"accidents": 2, "incidents": 1, "deaths": 0, "serious_injuries": 1,
                                             "minor_injuries": 3, "direct_loss": Decimal("13.15")}
    assert totals_dict(total) == EXPECTED_TOTAL
    for key in EXPECTED_TOTAL:  # the year is the sum of its months
        assert sum((getattr(m.totals, key) for m in months), 0) == getattr(total, key), key


def test_the_page_shows_twelve_months_and_totals_equal_to_the_rows(login, users, enterprise, year_rows):
    response = login(users["owner"]).get(reverse("incidents:accident_list", args=[enterprise.pk]), {"year": Y})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{Y}年度生产安全事故（件）统计表" in html
    groups = month_groups(html)
    assert [m for m, _ in groups] == [f"{m:02d}" for m in range(1, 13)]
    by_month = {int(m): rows for m, rows in groups}
    for m, rows in by_month.items():
        if m in EXPECTED_MONTHS:
            assert [r[1] for r in rows] == EXPECTED_MONTHS[m]
            assert all(r[0].startswith(f"{Y}-{m:02d}-") for r in rows)
        else:
            assert rows == [["无", "0", "0.00", ""]], (m, rows)
    assert by_month[3][0][0] == f"{Y}-03-05" and by_month[12][0][0] == f"{Y}-12-31"
    for name in ("次年元旦事故", "上年除夕事故", "二七企业事故"):
        assert name not in html

    accident_rows = [r for m, rows in groups for r in rows if r[0] != "无"]
    sums = {"accidents": sum(r[2] == "事故" for r in accident_rows), "incidents": sum(r[2] == "事件" for r in accident_rows),
            "deaths": sum(casualties(r[3]).get("死亡", 0) for r in accident_rows),
            "serious": sum(casualties(r[3]).get("重伤", 0) for r in accident_rows),
            "minor": sum(casualties(r[3]).get("轻伤", 0) for r in accident_rows)}
    loss = sum(Decimal(r[4]) for r in accident_rows)
    foot = data_totals(html)
    assert {k: int(foot[k]) for k in sums} == sums == {"accidents": 3, "incidents": 2, "deaths": 1, "serious": 1, "minor": 3}
    assert Decimal(foot["loss"]) == loss == Decimal("113.20")
    assert foot["loss"] == "113.20"
    assert totals_dict(response.context["total"]) == EXPECTED_TOTAL


def test_the_year_defaults_to_this_one_and_the_picker_lists_the_years_with_rows(login, users, enterprise, year_rows):
    client = login(users["owner"])
    url = reverse("incidents:accident_list", args=[enterprise.pk])
    response = client.get(url)
    assert response.context["year"] == TODAY.year
    assert response.context["years"] == sorted({TODAY.year, Y + 1, Y, Y - 1}, reverse=True)
    for bad in ("abc", "1999", str(TODAY.year + 5)):
        assert client.get(url, {"year": bad}).context["year"] == TODAY.year
    response = client.get(url, {"year": Y - 1})
    assert [r[1] for _, rows in month_groups(response.content.decode()) for r in rows if r[0] != "无"] == ["上年除夕事故"]
    assert data_totals(response.content.decode())["minor"] == "5"


def test_the_picker_offers_this_year_even_without_rows(login, users, enterprise):
    create_accident(enterprise, D(Y - 2, 6, 1), "前年的事故")
    create_penalty(enterprise, D(Y - 3, 6, 1))
    client = login(users["owner"])
    assert client.get(reverse("incidents:accident_list", args=[enterprise.pk])).context["years"] == [TODAY.year, Y - 2]
    assert client.get(reverse("incidents:penalty_list", args=[enterprise.pk])).context["years"] == [TODAY.year, Y - 3]


def test_an_empty_year_is_twelve_zero_rows(login, users, enterprise):
    html = login(users["owner"]).get(reverse("incidents:accident_list", args=[enterprise.pk]), {"year": Y}).content.decode()
    groups = month_groups(html)
    assert [(m, rows) for m, rows in groups] == [(f"{m:02d}", [["无", "0", "0.00", ""]]) for m in range(1, 13)]
    assert data_totals(html) == {"accidents": "0", "incidents": "0", "minor": "0", "serious": "0", "deaths": "0", "loss": "0.00"}


# ---- required fields and ranges ----


@pytest.mark.parametrize("field, value", [("deaths", "-1"), ("serious_injuries", "-2"), ("minor_injuries", "-1"),
                                          ("direct_loss", "-0.01")])
def test_negative_numbers_are_refused(login, users, enterprise, field, value):
    response = login(users["owner"]).post(reverse("incidents:accident_add", args=[enterprise.pk]), accident_post(**{field: value}))
    assert field_errors(response, field) == ["确保该值大于或等于0。"]
    assert "确保该值大于或等于0。" in response.content.decode()
    assert not Accident.objects.exists()


@pytest.mark.parametrize("field", ["occurred_on", "name", "category", "recorded_by"])
def test_required_fields(login, users, enterprise, field):
    response = login(users["owner"]).post(reverse("incidents:accident_add", args=[enterprise.pk]), accident_post(**{field: ""}))
    assert field_errors(response, field) == ["这个字段是必填项。"]
    assert not Accident.objects.exists()


def test_a_bad_date_is_refused(login, users, enterprise):
    response = login(users["owner"]).post(reverse("incidents:accident_add", args=[enterprise.pk]),
                                          accident_post(occurred_on=f"{Y}-02-30"))
    assert field_errors(response, "occurred_on") == ["输入一个有效的日期。"]
    assert not Accident.objects.exists()


def test_a_valid_accident_is_saved_for_the_enterprise(login, users, enterprise):
    client = login(users["owner"])
    form = client.get(reverse("incidents:accident_add", args=[enterprise.pk]))
    assert form.context["form"].initial["recorded_by"] == users["owner"].get_username()
    response = client.post(reverse("incidents:accident_add", args=[enterprise.pk]), accident_post(enterprise="999999"))
    a = Accident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:accident_detail", args=[a.pk])
    assert messages_of(client.get(response["Location"])) == ["事故（件）已保存。"]
    assert (a.enterprise_id, a.occurred_on, a.name, a.kind, a.category, a.gb_category_id, a.deaths, a.serious_injuries,
            a.minor_injuries, a.direct_loss, a.recorded_by) == (
        enterprise.pk, D(Y, 5, 6), "叉车倒车撞伤员工", "accident", "injury", "02", 0, 1, 2, Decimal("3.75"), "张统计")
    page = client.get(response["Location"]).content.decode()
    for text in ("叉车倒车撞伤员工", f"{Y}-05-06", "重伤1人、轻伤2人", "3.75 万元", "工伤事故", "车辆伤害", "张统计", "尚未登记调查处理情况。"):
        assert text in page, text


def test_an_investigation_before_the_accident_is_refused(login, users, enterprise):
    a = create_accident(enterprise, D(Y, 3, 5))
    client = login(users["owner"])
    url = reverse("incidents:investigation_edit", args=[a.pk])
    response = client.post(url, investigation_post(D(Y, 3, 4)))
    assert field_errors(response, "investigated_on") == ["调查时间不能早于事故发生时间。"]
    assert "调查时间不能早于事故发生时间。" in response.content.decode()
    assert not Investigation.objects.exists()
    # The same day is fine.
    assert client.post(url, investigation_post(D(Y, 3, 5))).status_code == 302
    assert Investigation.objects.get().investigated_on == D(Y, 3, 5)


def test_moving_the_accident_after_its_investigation_is_refused(login, users, enterprise):
    a = create_accident(enterprise, D(Y, 3, 5))
    create_investigation(a, D(Y, 3, 8))
    client = login(users["owner"])
    url = reverse("incidents:accident_edit", args=[a.pk])
    response = client.post(url, form_data(a, occurred_on=D(Y, 3, 20)))
    errors = field_errors(response, "occurred_on")
    assert len(errors) == 1 and "调查时间" in errors[0] and f"{Y}-03-08" in errors[0]
    a.refresh_from_db()
    assert a.occurred_on == D(Y, 3, 5)
    # Up to the day of the investigation is fine.
    assert client.post(url, form_data(a, occurred_on=D(Y, 3, 8))).status_code == 302
    a.refresh_from_db()
    assert a.occurred_on == D(Y, 3, 8)


def test_an_accident_in_the_future_is_refused(login, users, enterprise):
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = login(users["owner"]).post(reverse("incidents:accident_add", args=[enterprise.pk]),
                                          accident_post(occurred_on=str(tomorrow)))
    assert response.status_code == 200 and response.context["form"].errors.get("occurred_on")
    assert not Accident.objects.exists()


def test_an_investigation_in_the_future_is_refused(login, users, enterprise):
    a = create_accident(enterprise, TODAY)
    response = login(users["owner"]).post(reverse("incidents:investigation_edit", args=[a.pk]),
                                          investigation_post(TODAY + datetime.timedelta(days=1)))
    assert response.status_code == 200 and response.context["form"].errors.get("investigated_on")
    assert not Investigation.objects.exists()


def test_an_investigation_needs_its_date_subject_lead_and_course(login, users, enterprise):
    a = create_accident(enterprise, D(Y, 3, 5))
    response = login(users["owner"]).post(reverse("incidents:investigation_edit", args=[a.pk]),
                                          investigation_post("", subject="", team_lead="", course=""))
    for field in ("investigated_on", "subject", "team_lead", "course"):
        assert field_errors(response, field) == ["这个字段是必填项。"], field
    assert not Investigation.objects.exists()


# ---- 辅助表3: the investigation ----


def test_it_adds_edits_and_shows_the_investigation(login, users, enterprise):
    a = create_accident(enterprise, D(Y, 3, 5), "叉车倒车撞伤员工")
    client = login(users["owner"])
    url = reverse("incidents:investigation_edit", args=[a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, investigation_post(D(Y, 3, 7)))
    assert response.status_code == 302 and response["Location"] == reverse("incidents:accident_detail", args=[a.pk])
    inv = Investigation.objects.get()
    assert inv.accident == a and inv.investigated_on == D(Y, 3, 7)
    assert {k: getattr(inv, k) for k in INVESTIGATION} == INVESTIGATION

    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-testid="investigation"' in html and "尚未登记调查处理情况。" not in html
    for value in (*INVESTIGATION.values(), f"{Y}-03-07", "叉车倒车撞伤员工"):
        assert value in html, value
    assert reverse("incidents:investigation_pdf", args=[a.pk]) in html

    # Editing changes the one record.
    edit = client.get(url)
    assert edit.context["form"].instance.pk == inv.pk and edit.context["form"]["course"].value() == INVESTIGATION["course"]
    response = client.post(url, investigation_post(D(Y, 3, 9), course="修改后的事故经过", follow_up=""))
    assert response.status_code == 302
    inv = Investigation.objects.get()
    assert (inv.investigated_on, inv.course, inv.follow_up, inv.subject) == (D(Y, 3, 9), "修改后的事故经过", "", INVESTIGATION["subject"])
    html = client.get(reverse("incidents:accident_detail", args=[a.pk])).content.decode()
    assert "修改后的事故经过" in html and INVESTIGATION["course"] not in html and INVESTIGATION["follow_up"] not in html


def test_the_ledger_marks_investigated_accidents(login, users, enterprise):
    create_investigation(create_accident(enterprise, D(Y, 3, 5), "已调查的事故"))
    create_accident(enterprise, D(Y, 3, 6), "未调查的事故")
    groups = dict(month_groups(login(users["owner"]).get(reverse("incidents:accident_list", args=[enterprise.pk]),
                                                          {"year": Y}).content.decode()))
    assert [(r[1], r[-1]) for r in groups["03"]] == [("已调查的事故", "已登记"), ("未调查的事故", "未登记")]


def test_the_investigation_pdf(login, users, enterprise, tmp_path):
    a = create_accident(enterprise, D(Y, 3, 5), "叉车倒车撞伤员工")
    client = login(users["owner"])
    assert client.get(reverse("incidents:investigation_pdf", args=[a.pk])).status_code == 404  # none yet
    create_investigation(a, D(Y, 3, 7))
    response = client.get(reverse("incidents:investigation_pdf", args=[a.pk]))
    assert response["Content-Disposition"].startswith("inline")
    text = pdf_text(response, tmp_path)
    for value in ("事故（件）调查处理情况登记表", enterprise.name, "叉车倒车撞伤员工", INVESTIGATION["course"],
                  INVESTIGATION["corrective_actions"], INVESTIGATION["number"], f"{Y}-03-07"):
        assert value in text, value


def test_deleting_an_accident_deletes_its_investigation(login, users, enterprise):
    a = create_accident(enterprise, D(Y, 3, 5), "叉车倒车撞伤员工")
    create_investigation(a)
    other = create_accident(enterprise, D(Y, 4, 5), "另一起事故")
    create_investigation(other)
    client = login(users["owner"])
    response = client.post(reverse("incidents:accident_delete", args=[a.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:accident_list", args=[enterprise.pk]) + f"?year={Y}"
    assert messages_of(client.get(response["Location"])) == ["已删除 叉车倒车撞伤员工。"]
    assert list(Accident.objects.values_list("name", flat=True)) == ["另一起事故"]
    assert list(Investigation.objects.values_list("accident_id", flat=True)) == [other.pk]
    assert client.get(reverse("incidents:accident_detail", args=[a.pk])).status_code == 404


def test_delete_is_post_only(login, users, enterprise):
    a = create_accident(enterprise, D(Y, 3, 5))
    p = create_penalty(enterprise, D(Y, 3, 5))
    client = login(users["owner"])
    assert client.get(reverse("incidents:accident_delete", args=[a.pk])).status_code == 405
    assert client.get(reverse("incidents:penalty_delete", args=[p.pk])).status_code == 405
    assert Accident.objects.exists() and Penalty.objects.exists()


# ---- 辅助表4: penalties and sanctions ----


@pytest.fixture
def penalty_rows(enterprise, other_enterprise):
    return {
        "fine": create_penalty(enterprise, D(Y, 6, 1), PenaltyKind.FINE, PenaltyState.ACTIVE, reason="罚款事由"),
        "warning": create_penalty(enterprise, D(Y, 2, 1), PenaltyKind.WARNING, PenaltyState.DONE, reason="警告事由"),
        "sanction": create_penalty(enterprise, D(Y, 9, 1), PenaltyKind.SANCTION, PenaltyState.ACTIVE,
                                   department="河南省应急管理厅", reason="联合惩戒事由"),
        "removed": create_penalty(enterprise, D(Y, 11, 1), PenaltyKind.SANCTION, PenaltyState.REMOVED, reason="已移除惩戒事由"),
        "suspension": create_penalty(enterprise, D(Y, 2, 1), PenaltyKind.SUSPENSION, PenaltyState.DONE, reason="停产事由"),
        "next_year": create_penalty(enterprise, D(Y + 1, 1, 2), PenaltyKind.SANCTION, PenaltyState.ACTIVE, reason="次年惩戒"),
        "erqi": create_penalty(other_enterprise, D(Y, 6, 1), PenaltyKind.FINE, reason="二七罚款"),
    }


def test_penalty_totals_per_year(login, users, enterprise, penalty_rows):
    rows, totals = ledger.penalty_year(Penalty.objects.filter(enterprise=enterprise), Y)
    assert [p.reason for p in rows] == ["警告事由", "停产事由", "罚款事由", "联合惩戒事由", "已移除惩戒事由"]
    assert totals == {"penalties": 3, "sanctions": 2}
    assert ledger.penalty_year(Penalty.objects.filter(enterprise=enterprise), Y + 1)[1] == {"penalties": 0, "sanctions": 1}

    client = login(users["jinshui"])
    response = client.get(reverse("incidents:penalty_list", args=[enterprise.pk]), {"year": Y})
    html = response.content.decode()
    body = table(html, "penalty-year")["tbody"]
    assert [[c["text"] for c in r["cells"]][:6] for r in body] == [
        ["01", f"{Y}-02-01", "处罚 警告", "金水区应急管理局", "警告事由", "已完成"],
        ["02", f"{Y}-02-01", "处罚 责令停产停业", "金水区应急管理局", "停产事由", "已完成"],
        ["03", f"{Y}-06-01", "处罚 罚款", "金水区应急管理局", "罚款事由", "实施中"],
        ["04", f"{Y}-09-01", "惩戒 安全生产联合惩戒", "河南省应急管理厅", "联合惩戒事由", "实施中"],
        ["05", f"{Y}-11-01", "惩戒 安全生产联合惩戒", "金水区应急管理局", "已移除惩戒事由", "移除惩戒"],
    ]
    assert data_totals(html) == {"penalties": "3", "sanctions": "2"}
    in_table = html.split('data-testid="penalty-year"', 1)[1]
    assert "二七罚款" not in html and "次年惩戒" not in in_table
    # The active sanctions (of any year) are announced above the table.
    alert = re.search(r'data-testid="sanction-alert">(.*?)</div>', html, re.S).group(1)
    assert "联合惩戒事由" in alert and "次年惩戒" in alert and "已移除惩戒事由" not in alert

    html = client.get(reverse("incidents:penalty_list", args=[enterprise.pk]), {"year": Y + 1}).content.decode()
    assert data_totals(html) == {"penalties": "0", "sanctions": "1"}


def test_an_empty_penalty_year(login, users, enterprise):
    html = login(users["owner"]).get(reverse("incidents:penalty_list", args=[enterprise.pk]), {"year": Y}).content.decode()
    assert f"{Y}年无处罚和惩戒记录。" in html and data_totals(html) == {"penalties": "0", "sanctions": "0"}
    assert 'data-testid="sanction-alert"' not in html


@pytest.mark.parametrize("kind, state, message", [
    ("sanction", "done", "惩戒的闭环管理情况应为实施中或移除惩戒。"),
    ("fine", "removed", "处罚的闭环管理情况应为已完成或实施中。"),
    ("warning", "removed", "处罚的闭环管理情况应为已完成或实施中。"),
])
def test_a_state_that_does_not_fit_the_kind_is_refused(login, users, enterprise, kind, state, message):
    client = login(users["owner"])
    response = client.post(reverse("incidents:penalty_add", args=[enterprise.pk]), penalty_post(kind=kind, state=state))
    assert field_errors(response, "state") == [message]
    assert message in response.content.decode()
    assert not Penalty.objects.exists()
    # Nor by editing an existing one.
    p = create_penalty(enterprise, D(Y, 4, 1), PenaltyKind.SANCTION if kind == "sanction" else PenaltyKind.FINE, PenaltyState.ACTIVE)
    response = client.post(reverse("incidents:penalty_edit", args=[p.pk]), penalty_post(kind=kind, state=state))
    assert field_errors(response, "state") == [message]
    p.refresh_from_db()
    assert p.state == PenaltyState.ACTIVE


@pytest.mark.parametrize("kind, state", [("sanction", "active"), ("sanction", "removed"), ("fine", "done"), ("other", "active")])
def test_a_state_that_fits_is_saved(login, users, enterprise, kind, state):
    client = login(users["owner"])
    response = client.post(reverse("incidents:penalty_add", args=[enterprise.pk]), penalty_post(kind=kind, state=state))
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:penalty_list", args=[enterprise.pk]) + f"?year={Y}"
    p = Penalty.objects.get()
    assert (p.enterprise_id, p.kind, p.state, p.imposed_on) == (enterprise.pk, kind, state, D(Y, 4, 1))
    assert messages_of(client.get(response["Location"])) == ["处罚（惩戒）信息已保存。"]


@pytest.mark.parametrize("field", ["imposed_on", "kind", "department", "reason", "state"])
def test_penalty_required_fields(login, users, enterprise, field):
    response = login(users["owner"]).post(reverse("incidents:penalty_add", args=[enterprise.pk]), penalty_post(**{field: ""}))
    assert field_errors(response, field) == ["这个字段是必填项。"]
    assert not Penalty.objects.exists()


def test_a_penalty_is_deleted(login, users, enterprise, penalty_rows):
    client = login(users["owner"])
    response = client.post(reverse("incidents:penalty_delete", args=[penalty_rows["fine"].pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"?year={Y}")
    assert not Penalty.objects.filter(pk=penalty_rows["fine"].pk).exists()
    assert Penalty.objects.count() == len(penalty_rows) - 1


# ---- the 联合惩戒 flag ----


def list_row(html, e):
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>", 1)[1], re.S) if f'value="{e.pk}"' in r]
    assert len(rows) == 1, f"{e.name} not listed"
    return rows[0]


def flags(client, e, other):
    """(flag in e's list row, flag in other's list row, flag on e's archive page)."""
    html = client.get(reverse("archive:enterprise_list")).content.decode()
    archive = client.get(reverse("archive:enterprise_detail", args=[e.pk])).content.decode()
    return ('data-testid="sanctioned"' in list_row(html, e), 'data-testid="sanctioned"' in list_row(html, other),
            'data-testid="sanctioned"' in archive)


def test_an_active_sanction_flags_the_enterprise_until_removed(login, users, enterprise, other_enterprise):
    client = login(users["city"])  # sees both counties
    assert flags(client, enterprise, other_enterprise) == (False, False, False)
    p = create_penalty(enterprise, D(Y, 9, 1), PenaltyKind.SANCTION, PenaltyState.ACTIVE)
    assert sanctioned([enterprise.pk, other_enterprise.pk]) == {enterprise.pk}
    assert flags(client, enterprise, other_enterprise) == (True, False, True)
    archive = client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert 'data-testid="sanction-badge"' in archive  # the ledgers' card too
    # The county regulator sees it as well.
    assert 'data-testid="sanctioned"' in list_row(login(users["jinshui"]).get(reverse("archive:enterprise_list")).content.decode(),
                                                   enterprise)

    response = login(users["owner"]).post(reverse("incidents:penalty_edit", args=[p.pk]), form_data(p, state="removed"))
    assert response.status_code == 302
    assert Penalty.objects.get(pk=p.pk).state == PenaltyState.REMOVED
    client = login(users["city"])
    assert flags(client, enterprise, other_enterprise) == (False, False, False)
    archive = client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert 'data-testid="sanction-badge"' not in archive


@pytest.mark.parametrize("kind", [k for k in PenaltyKind if k != PenaltyKind.SANCTION])
def test_a_penalty_never_flags(login, users, enterprise, other_enterprise, kind):
    for state in (PenaltyState.ACTIVE, PenaltyState.DONE):
        create_penalty(enterprise, D(Y, 9, 1), kind, state)
    create_penalty(enterprise, D(Y, 9, 2), PenaltyKind.SANCTION, PenaltyState.REMOVED)
    assert sanctioned([enterprise.pk]) == set()
    assert flags(login(users["city"]), enterprise, other_enterprise) == (False, False, False)
    archive = login(users["owner"]).get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert 'data-testid="sanctioned"' not in archive and 'data-testid="sanction-badge"' not in archive
    client = login(users["owner"])
    html = client.get(reverse("incidents:penalty_list", args=[enterprise.pk]), {"year": Y}).content.decode()
    assert data_totals(html) == {"penalties": "2", "sanctions": "1"} and 'data-testid="sanction-alert"' not in html


def test_the_owner_sees_its_own_flag(login, users, enterprise):
    create_penalty(enterprise, D(Y, 9, 1), PenaltyKind.SANCTION, PenaltyState.ACTIVE)
    archive = login(users["owner"]).get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert 'data-testid="sanctioned"' in archive and 'data-testid="sanction-badge"' in archive


def test_the_archive_card_counts_this_year(login, users, enterprise):
    this = TODAY.year
    create_accident(enterprise, D(this, 1, 1), "今年一", deaths=2, direct_loss=Decimal("1.50"))
    create_accident(enterprise, D(this, 1, 2), "今年二", direct_loss=Decimal("2.25"))
    create_accident(enterprise, D(this - 1, 12, 31), "去年", deaths=9, direct_loss=Decimal("100"))
    create_penalty(enterprise, D(this, 1, 3))
    create_penalty(enterprise, D(this - 1, 1, 3))
    response = login(users["owner"]).get(reverse("archive:enterprise_detail", args=[enterprise.pk]))
    card = response.content.decode().split('data-testid="incident-card"', 1)[1].split("处罚和惩戒信息台账</a>", 1)[0]
    numbers = re.findall(r'<div class="h2 m-0">([^<]*)</div>', card)
    assert numbers == ["2", "2", "3.75", "1"]


# ---- xlsx ----


def test_the_accident_xlsx_is_the_year_table(login, users, enterprise, year_rows):
    year_rows["crush"].name = "=cmd|' /C calc'!A0"
    year_rows["crush"].recorded_by = "=1+1"
    year_rows["crush"].save()
    ws = workbook(login(users["owner"]).get(reverse("incidents:accident_export", args=[enterprise.pk]), {"year": Y}))
    rows = list(ws.iter_rows())
    assert rows[0][0].value == f"{Y}年度生产安全事故（件）统计表"
    assert rows[1][0].value == f"单位名称：{enterprise.name}（{enterprise.uscc}）"
    assert [c.value for c in rows[2]] == ACCIDENT_HEADERS
    body, total = rows[3:-1], rows[-1]
    groups = [(m, list(g)) for m, g in itertools.groupby(body, key=lambda r: r[0].value)]
    assert [m for m, _ in groups] == [f"{m:02d}" for m in range(1, 13)]
    for m, group in groups:
        names = [r[2].value for r in group]
        if int(m) == 3:
            assert names == ["=cmd|' /C calc'!A0", "危废暂存间少量泄漏", "配电室电缆短路起火"]
        elif int(m) in EXPECTED_MONTHS:
            assert names == EXPECTED_MONTHS[int(m)]
        else:  # an empty month: one row of zeros
            assert [[c.value for c in r][:8] for r in group] == [[m, None, None, None, 0, 0, 0, 0]]
    data = [r for _, g in groups for r in g if r[2].value]
    for r in data:
        assert r[1].is_date and r[1].number_format == "yyyy-mm-dd"
        assert all(isinstance(c.value, (int, float)) for c in r[4:8])
    crush = data[0]
    assert crush[1].value.date() == D(Y, 3, 5)
    assert crush[2].data_type == "s" and crush[10].data_type == "s" and crush[10].value == "=1+1"
    death = next(r for r in data if r[2].value == "行车钢丝绳断裂")
    assert [c.value for c in death[3:11]] == ["事故", 1, 0, 0, 100.0, "设备事故", "起重伤害", "张统计"]
    assert [c.value for c in total][:8] == ["合计", None, "事故 3 起，事件 2 起", None, 1, 1, 3, pytest.approx(113.2)]
    # The total row is the sum of the rows.
    for col in range(4, 8):
        assert sum(r[col].value for r in body) == pytest.approx(total[col].value)
    values = [c.value for r in rows for c in r]
    assert "次年元旦事故" not in values and "上年除夕事故" not in values and "二七企业事故" not in values


def test_the_penalty_xlsx_is_the_year_table(login, users, enterprise, penalty_rows):
    penalty_rows["fine"].reason = "=HYPERLINK(\"http://x\")"
    penalty_rows["fine"].save()
    ws = workbook(login(users["jinshui"]).get(reverse("incidents:penalty_export", args=[enterprise.pk]), {"year": Y}))
    rows = list(ws.iter_rows())
    assert rows[0][0].value == f"{Y}年处罚和惩戒信息统计表"
    assert rows[1][0].value == f"单位名称：{enterprise.name}（{enterprise.uscc}）"
    assert [c.value for c in rows[2]] == PENALTY_HEADERS
    body = rows[3:-1]
    assert [[c.value for c in r][:1] + [c.value for c in r][2:] for r in body] == [
        ["01", "警告", "金水区应急管理局", "警告事由", "已完成"],
        ["02", "责令停产停业", "金水区应急管理局", "停产事由", "已完成"],
        ["03", "罚款", "金水区应急管理局", "=HYPERLINK(\"http://x\")", "实施中"],
        ["04", "安全生产联合惩戒", "河南省应急管理厅", "联合惩戒事由", "实施中"],
        ["05", "安全生产联合惩戒", "金水区应急管理局", "已移除惩戒事由", "移除惩戒"],
    ]
    assert all(r[1].is_date for r in body) and body[0][1].value.date() == D(Y, 2, 1)
    assert body[2][4].data_type == "s"
    assert [c.value for c in rows[-1]][:3] == ["合计", None, "处罚总数 3，惩戒总数 2"]
    ws = workbook(login(users["jinshui"]).get(reverse("incidents:penalty_export", args=[enterprise.pk]), {"year": Y + 1}))
    assert [c.value for c in list(ws.iter_rows())[-1]][:3] == ["合计", None, "处罚总数 0，惩戒总数 1"]


def test_an_empty_year_xlsx(login, users, enterprise):
    ws = workbook(login(users["owner"]).get(reverse("incidents:accident_export", args=[enterprise.pk]), {"year": Y}))
    rows = [[c for c in r][:8] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert rows == [[f"{m:02d}", None, None, None, 0, 0, 0, 0] for m in range(1, 13)] + [
        ["合计", None, "事故 0 起，事件 0 起", None, 0, 0, 0, 0]]
    ws = workbook(login(users["owner"]).get(reverse("incidents:penalty_export", args=[enterprise.pk]), {"year": Y}))
    assert [list(r)[:3] for r in ws.iter_rows(min_row=4, values_only=True)] == [["合计", None, "处罚总数 0，惩戒总数 0"]]


# ---- the change history ----


def test_changes_to_the_ledgers_are_recorded_against_the_enterprise(login, users, enterprise):
    owner = users["owner"]
    client = login(owner)
    client.post(reverse("incidents:accident_add", args=[enterprise.pk]), accident_post())
    a = Accident.objects.get()
    client.post(reverse("incidents:accident_edit", args=[a.pk]), accident_post(name="叉车倒车撞伤两名员工"))
    client.post(reverse("incidents:investigation_edit", args=[a.pk]), investigation_post(D(Y, 5, 8)))
    inv = Investigation.objects.get()
    client.post(reverse("incidents:investigation_edit", args=[a.pk]), investigation_post(D(Y, 5, 8), course="补充后的经过"))
    client.post(reverse("incidents:penalty_add", args=[enterprise.pk]), penalty_post())
    p = Penalty.objects.get()
    client.post(reverse("incidents:penalty_edit", args=[p.pk]), penalty_post(state="active"))

    for obj, update in ((a, {"name": ["叉车倒车撞伤员工", "叉车倒车撞伤两名员工"]}),
                        (inv, {"course": [INVESTIGATION["course"], "补充后的经过"]}),
                        (p, {"state": ["done", "active"]})):
        records = changes(obj)
        assert [r.action for r in records] == [AuditAction.CREATE, AuditAction.UPDATE], obj
        assert all(r.enterprise_id == enterprise.pk and r.region_code == enterprise.region_id for r in records)
        assert all(r.user_id == owner.pk and r.user_name == owner.get_username() for r in records)
        field, (before, after) = next(iter(update.items()))
        assert records[1].before == {field: before} and records[1].after == {field: after}
    assert changes(a)[0].after["direct_loss"] == "3.75" and changes(a)[0].after["enterprise_id"] == enterprise.pk

    # Deleting the accident records both deletions, still on the enterprise.
    client.post(reverse("incidents:accident_delete", args=[a.pk]))
    for obj in (a, inv):
        assert changes(obj)[-1].action == AuditAction.DELETE and changes(obj)[-1].enterprise_id == enterprise.pk
    # And the archive page's history lists them.
    html = client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert "叉车倒车撞伤两名员工" in html


def test_a_regulators_change_is_recorded_under_its_name(login, users, enterprise):
    a = create_accident(enterprise, D(Y, 3, 5))
    login(users["jinshui"]).post(reverse("incidents:accident_edit", args=[a.pk]), form_data(a, deaths=1))
    record = changes(a)[-1]
    assert (record.action, record.user_id, record.enterprise_id, record.after) == (
        AuditAction.UPDATE, users["jinshui"].pk, enterprise.pk, {"deaths": 1})
