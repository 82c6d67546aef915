"""Bulk exports are audited (issue 17): who exported which list, with which filter, and how many rows.

The enterprise list carries legal representatives' phones; every download of many rows leaves one EXPORT record,
shown in the regulators' operation log to those who oversee the exporter's jurisdiction (or the enterprise whose
records were exported).
"""
import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.factories import ERQI, JINSHUI, create_enterprise, create_hazard, create_risk_list, create_user
from worksafe.archive.models import Enterprise
from worksafe.core.models import AuditAction, ChangeRecord, Role
from worksafe.hazards.models import Checklist, ChecklistItem, Hazard

pytestmark = pytest.mark.django_db


def xlsx_rows(response):
    """The data rows of the first sheet of a downloaded workbook (header row left out)."""
    assert response.status_code == 200, response.status_code
    data = b"".join(response.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    return rows[1:]


def exports():
    return list(ChangeRecord.objects.filter(action=AuditAction.EXPORT).order_by("id"))


@pytest.fixture
def listed(enterprise, other_enterprise):
    """金水区: the fixture's enterprise and three more, two of them with 金水 in the name; 二七区: one more."""
    create_enterprise(JINSHUI, name="金水第二机械厂")
    create_enterprise(JINSHUI, name="金水第三机械厂")
    create_enterprise(JINSHUI, name="花园路商贸公司")
    create_enterprise(ERQI, name="二七第二化工厂")


def operation_log(client, **params):
    response = client.get(reverse("core:operation_log_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_records_a_regulators_filtered_enterprise_export(login, users, county_admins, listed):
    rows = xlsx_rows(login(users["jinshui"]).get(reverse("archive:enterprise_export"),
                                                 {"q": "金水", "review_state": "draft", "page": "2"}))
    assert len(rows) == 3  # the fixture's 金水测试机械 and the two 金水 factories, not 花园路 nor 二七区's
    [record] = exports()
    assert (record.user, record.user_name) == (users["jinshui"], "jinshui")
    assert record.content_type == ContentType.objects.get_for_model(Enterprise)
    assert (record.object_id, record.object_repr) == ("", "生产经营单位列表")
    assert record.enterprise_id is None and record.region_code == JINSHUI
    assert record.message == "筛选条件：关键字：金水，审核状态：未提交；导出 3 行"
    assert record.before is None and record.after is None


def test_the_export_shows_in_the_operation_log_of_its_jurisdiction_only(login, users, county_admins, listed):
    login(users["jinshui"]).get(reverse("archive:enterprise_export"), {"q": "金水"})
    for viewer in (county_admins["jinshui"], users["city"], users["province"], users["sysadmin"]):
        page = operation_log(login(viewer), action=AuditAction.EXPORT)
        assert "生产经营单位列表" in page and "筛选条件：关键字：金水；导出 3 行" in page, viewer
    assert "生产经营单位列表" not in operation_log(login(county_admins["erqi"]))


def test_an_export_without_a_filter_says_so_and_counts_every_row_in_scope(login, users, listed):
    rows = xlsx_rows(login(users["city"]).get(reverse("archive:enterprise_export")))
    assert len(rows) == Enterprise.objects.count() == 6
    [record] = exports()
    assert record.message == "筛选条件：无（全部）；导出 6 行"
    assert record.region_code == "410100"


def test_an_export_of_ticked_rows_says_so(login, users, enterprise, listed):
    picked = list(Enterprise.objects.filter(region_id=JINSHUI).values_list("pk", flat=True)[:2])
    response = login(users["jinshui"]).post(reverse("archive:enterprise_export"), {"selected": "1", "pk": picked})
    assert len(xlsx_rows(response)) == 2
    assert exports()[0].message == "筛选条件：勾选的行；导出 2 行"


def test_a_long_filter_is_cut_to_fit_and_keeps_the_row_count(login, users, listed):
    login(users["jinshui"]).get(reverse("archive:enterprise_export"), {"q": "金" * 600})
    [record] = exports()
    assert len(record.message) <= 500 and record.message.endswith("…；导出 0 行")


def test_a_hazard_list_export_counts_what_it_wrote(login, users, enterprise, other_enterprise):
    for i in range(3):
        create_hazard(enterprise, name=f"重大隐患{i}", level="major")
    create_hazard(enterprise, name="一般隐患")
    create_hazard(other_enterprise, name="二七的重大隐患", level="major")
    rows = xlsx_rows(login(users["city"]).get(reverse("hazards:all_export"), {"level": "major"}))
    assert len(rows) == 4
    [record] = exports()
    assert record.content_type == ContentType.objects.get_for_model(Hazard)
    assert record.object_repr == "隐患清单" and record.message == "筛选条件：隐患级别：重大隐患；导出 4 行"
    # 隐患增删改记录查询 lists changes: a download is not one.
    page = login(users["city"]).get(reverse("hazards:change_list")).content.decode()
    assert "导出 4 行" not in page


def test_an_enterprises_own_ledger_export_belongs_to_that_enterprise(login, users, county_admins, enterprise):
    create_hazard(enterprise, name="液氨储罐区泄漏报警失效", level="major")
    create_hazard(enterprise, name="配电箱未接地", level="major")
    staff = create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=enterprise)
    client = login(users["owner"])
    assert client.get(reverse("hazards:table4_xlsx", args=[enterprise.pk])).status_code == 200
    [record] = exports()
    assert record.user == users["owner"] and record.enterprise_id == enterprise.pk
    assert record.region_code == enterprise.region_id and record.object_id == ""
    assert record.object_repr == f"表4 重大隐患排查治理统计表（{enterprise.name}）"
    assert record.message == "筛选条件：无（全部）；导出 2 行"
    # The county sees it in its operation log and in the archive's history; the enterprise's workbench lists
    # changes only.
    assert "表4 重大隐患排查治理统计表" in operation_log(login(county_admins["jinshui"]))
    history = login(users["jinshui"]).get(enterprise.get_absolute_url()).content.decode()
    assert "导出 2 行" in history
    workbench = login(staff).get(reverse("archive:workbench")).content.decode()
    assert "导出 2 行" not in workbench


def test_the_change_lists_render_export_rows(login, users, county_admins, enterprise, listed):
    create_hazard(enterprise, level="major")
    login(users["owner"]).get(reverse("hazards:ledger_all_xlsx", args=[enterprise.pk]), {"year": "1999"})
    login(users["jinshui"]).get(reverse("archive:enterprise_export"), {"industry": enterprise.industry_id})
    records = exports()
    assert [r.message for r in records] == [
        "筛选条件：无（全部）；导出 1 行",  # 1999 is no year with major hazards: ignored, as the page ignores it
        f"筛选条件：行业分类：{enterprise.industry.name}；导出 4 行",
    ]
    for viewer, url in [(county_admins["jinshui"], reverse("core:operation_log_list")),
                        (users["jinshui"], reverse("archive:change_list")),
                        (users["owner"], enterprise.get_absolute_url())]:
        response = login(viewer).get(url)
        assert response.status_code == 200 and "导出" in response.content.decode(), url


# Every download of many rows (API read-back is audited by the API's own log) ------------------------------------

ENTERPRISE_LISTS = [  # (url name, the regulator's filter)
    ("archive:enterprise_export", {}),
    ("codes:placard_batch", {}),
    ("hazards:open_export", {}),
    ("hazards:major_export", {}),
    ("hazards:all_export", {}),
    ("hazards:filing_export", {}),
    ("registrations:table_bulk_export", "tailings_pond"),
]
ONE_ENTERPRISE = ["hazards:table4_xlsx", "hazards:ledger_all_xlsx", "risks:register_export", "risks:table3_xlsx",
                  "risks:table3_pdf", "incidents:accident_export", "incidents:penalty_export"]


@pytest.mark.parametrize("name,arg", ENTERPRISE_LISTS)
def test_every_list_export_of_a_regulator_is_audited(login, users, enterprise, name, arg):
    create_hazard(enterprise, level="major")
    url = reverse(name, args=[arg]) if isinstance(arg, str) else reverse(name)
    # A batch of placards is recorded as its job starts (the PDF comes later); exports above EXPORT_JOB_ROWS rows are
    # recorded by their job as it writes them (test_export_job.py).
    assert login(users["jinshui"]).get(url).status_code == (302 if name == "codes:placard_batch" else 200)
    [record] = exports()
    assert record.user == users["jinshui"] and record.enterprise_id is None and record.region_code == JINSHUI
    assert record.message.startswith("筛选条件：") and record.message.endswith("行")


@pytest.mark.parametrize("name", ONE_ENTERPRISE)
def test_every_export_of_one_enterprises_records_is_audited(login, users, enterprise, name):
    create_hazard(enterprise, level="major")
    create_risk_list(enterprise)
    assert login(users["owner"]).get(reverse(name, args=[enterprise.pk])).status_code == 200
    [record] = exports()
    assert record.user == users["owner"] and record.enterprise_id == enterprise.pk
    assert enterprise.name in record.object_repr and record.message.endswith("行")


def test_a_checklist_export_counts_its_items(login, users, orgs):
    checklist = Checklist.objects.create(name="机械行业隐患排查指引", industry_id="07", owner=orgs["jinshui"], state="approved")
    for order in (1, 2, 3):
        ChecklistItem.objects.create(checklist=checklist, order=order, section="消防安全", content=f"检查内容{order}")
    rows = xlsx_rows(login(users["owner"]).get(reverse("hazards:checklist_export", args=[checklist.pk])))
    [record] = exports()
    assert len(rows) == 3 and record.message == "筛选条件：无（全部）；导出 3 行"
    assert record.object_repr == "隐患排查标准“机械行业隐患排查指引”"
    assert record.enterprise_id == users["owner"].enterprise_id  # an enterprise user's download: its own record
