"""Placards (二维码牌): a printable PDF per code, and batches for the enterprise list's filters or ticked rows (a
background job: the view answers with the job's page, the PDF is the job's result; test_placard_job.py has more)."""
import pytest
from django.test import override_settings
from django.urls import reverse

from tests.codes.helpers import PRIVATE, decode_pdf, pdf_fonts, pdf_page_size, pdf_pages, pdf_text, write
from tests.factories import ERQI, JINSHUI, create_enterprise, create_risk_list, create_unit, messages_of
from tests.jobs import job_result
from worksafe.codes.models import Code
from worksafe.core.models import Job

pytestmark = pytest.mark.django_db

BATCH = reverse("codes:placard_batch")
LIST = reverse("archive:enterprise_list")
HINT = "请用手机扫描二维码"
SIZES = {"A4": (595.3, 841.9), "A5": (419.5, 595.3)}  # points


def placard_url(key, pk, size=None):
    return reverse("codes:code_placard", args=[key, pk]) + (f"?size={size}" if size else "")


def pdf_of(response, tmp_path, name="placard.pdf"):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(b"%PDF-")
    return write(tmp_path, name, response.content)


def assert_size(path, size):
    width, height = pdf_page_size(path)
    assert width == pytest.approx(SIZES[size][0], abs=1) and height == pytest.approx(SIZES[size][1], abs=1)


def cjk_fonts(path):
    return [(name, embedded) for name, embedded in pdf_fonts(path) if "CJK" in name or "WenQuanYi" in name]


# One placard ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_a_placard_prints_the_code_and_the_enterprise(login, users, coded, tmp_path, size):
    path = pdf_of(login(users["owner"]).get(placard_url("enterprise", coded.pk, size)), tmp_path)
    assert pdf_pages(path) == 1
    assert_size(path, size)
    text = pdf_text(path)
    assert coded.name in text
    assert coded.uscc in text
    assert "河南省郑州市金水区" in text
    assert HINT in text
    for field, value in PRIVATE.items():
        assert value not in text, f"{field} printed"
    fonts = cjk_fonts(path)
    assert fonts and all(embedded for _, embedded in fonts), pdf_fonts(path)
    assert decode_pdf(path, tmp_path) == [[Code.active(coded).url]]


@pytest.mark.parametrize("given,size", [("a5", "A5"), ("A3", "A4"), ("", "A4"), (None, "A4")])
def test_the_size_defaults_to_a4(login, users, enterprise, tmp_path, given, size):
    path = pdf_of(login(users["jinshui"]).get(placard_url("enterprise", enterprise.pk, given)), tmp_path)
    assert_size(path, size)


def test_a_units_placard(login, users, enterprise, tmp_path):
    unit = create_unit(enterprise, name="一号车间")
    path = pdf_of(login(users["jinshui"]).get(placard_url("unit", unit.pk, "A5")), tmp_path)
    text = pdf_text(path)
    assert "一号车间" in text and f"所属企业{enterprise.name}" in text and enterprise.uscc in text
    [[decoded]] = decode_pdf(path, tmp_path)
    assert decoded == Code.active(unit).url != Code.active(enterprise).url


def test_a_placard_prints_the_graded_risk_level(login, users, enterprise, tmp_path):
    client = login(users["jinshui"])
    assert "安全风险等级：未评定" in pdf_text(pdf_of(client.get(placard_url("enterprise", enterprise.pk)), tmp_path))
    create_risk_list(enterprise)  # its most severe event: LEC 3×6×40 = 720, 重大风险
    path = pdf_of(client.get(placard_url("enterprise", enterprise.pk)), tmp_path)
    assert "安全风险等级：重大风险" in pdf_text(path)


def test_a_regenerated_code_reprints(login, users, enterprise, tmp_path):
    client = login(users["owner"])
    old = Code.active(enterprise)
    client.post(reverse("codes:code_regenerate", args=["enterprise", enterprise.pk]))
    path = pdf_of(client.get(placard_url("enterprise", enterprise.pk)), tmp_path)
    [[decoded]] = decode_pdf(path, tmp_path)
    assert decoded == Code.active(enterprise).url != old.url


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_a_long_name_still_fits_on_one_page(login, users, enterprise, tmp_path, size):
    long_name = ("河南省郑州市金水区某某机械制造股份有限公司" * 7)[:128]
    enterprise.name = long_name
    enterprise.save()
    unit = create_unit(enterprise, name=long_name)
    client = login(users["jinshui"])
    for key, pk in (("enterprise", enterprise.pk), ("unit", unit.pk)):
        path = pdf_of(client.get(placard_url(key, pk, size)), tmp_path)
        assert pdf_pages(path) == 1, (key, size)
        assert "".join(pdf_text(path).split()).count(long_name) >= 1


# Batches --------------------------------------------------------------------------------------------------


@pytest.fixture
def jinshui_two(enterprise):
    """Two enterprises in 金水区 (the fixture's and one more)."""
    return [enterprise, create_enterprise(JINSHUI, name="金水第二测试食品有限公司", industry="07")]


@pytest.fixture
def batch_pdf(run_jobs, tmp_path):
    """batch_pdf(client, response) → the path of the PDF the batch's job made for the client's user."""

    def pdf(client, response, name="batch.pdf"):
        return pdf_of(job_result(client, response, run_jobs)[1], tmp_path, name)

    return pdf


def decoded_urls(path, tmp_path):
    pages = decode_pdf(path, tmp_path)
    assert all(len(p) == 1 for p in pages), pages
    return [p[0] for p in pages]


def test_a_batch_for_a_region_filter(login, users, jinshui_two, other_enterprise, tmp_path, batch_pdf):
    client = login(users["city"])
    path = batch_pdf(client, client.get(BATCH, {"region": JINSHUI, "size": "A5"}))
    assert pdf_pages(path) == 2
    assert_size(path, "A5")
    text = pdf_text(path)
    assert all(e.name in text for e in jinshui_two)
    assert other_enterprise.name not in text and other_enterprise.uscc not in text
    assert sorted(decoded_urls(path, tmp_path)) == sorted(Code.active(e).url for e in jinshui_two)
    # The batch uses the enterprises' active codes: printing again mints nothing new.
    assert Code.objects.count() == 2
    batch_pdf(client, client.get(BATCH, {"region": JINSHUI, "size": "A5"}), "again.pdf")
    assert Code.objects.count() == 2


@pytest.mark.parametrize("who,params,expected", [
    ("jinshui", {}, ["jinshui"]),
    ("jinshui", {"region": ERQI}, ["jinshui"]),  # a region outside its reach is not a way in (the filter is ignored)
    ("erqi", {}, ["erqi"]),
    ("chem", {}, ["erqi"]),  # the chemicals division: chemical enterprises only
    ("city", {"q": "二七测试"}, ["erqi"]),
    ("city", {"industry": "03"}, ["erqi"]),
])
def test_batches_stay_in_scope(login, users, enterprise, other_enterprise, batch_pdf, who, params, expected):
    by_county = {"jinshui": enterprise, "erqi": other_enterprise}
    client = login(users[who])
    path = batch_pdf(client, client.get(BATCH, params))
    text = pdf_text(path)
    assert pdf_pages(path) == len(expected)
    for county, e in by_county.items():
        assert (e.name in text) == (county in expected), e.name


def test_a_batch_of_ticked_rows_keeps_to_scope(login, users, jinshui_two, other_enterprise, tmp_path, batch_pdf):
    first, second = jinshui_two
    client = login(users["jinshui"])
    path = batch_pdf(client, client.post(BATCH + "?size=A5", {"selected": "1", "pk": [first.pk, other_enterprise.pk]}))
    text = pdf_text(path)
    assert pdf_pages(path) == 1
    assert first.name in text and second.name not in text and other_enterprise.name not in text
    assert_size(path, "A5")
    assert decoded_urls(path, tmp_path) == [Code.active(first).url]
    assert not Code.objects.filter(object_id=other_enterprise.pk).exists()


def test_a_batch_of_only_hidden_rows_is_refused(login, users, enterprise, other_enterprise):
    client = login(users["jinshui"])
    response = client.post(BATCH, {"selected": "1", "pk": [other_enterprise.pk]}, follow=True)
    assert response.redirect_chain[-1][0].startswith(LIST)
    assert any("没有符合条件的企业" in m for m in messages_of(response))
    assert not Code.objects.exists() and not Job.objects.exists()


def test_a_post_without_ticks_asks_for_them(login, users, enterprise):
    for data in ({}, {"selected": "1"}, {"pk": [enterprise.pk]}):
        response = login(users["jinshui"]).post(BATCH, data, follow=True)
        assert response.redirect_chain[-1][0].startswith(LIST)
        assert any("请先勾选" in m for m in messages_of(response)), data


def test_a_batch_over_the_limit_is_refused(login, users, jinshui_two, batch_pdf):
    client = login(users["jinshui"])
    with override_settings(CODE_PLACARD_BATCH_MAX=1):
        response = client.get(BATCH, {"region": JINSHUI, "size": "A5"})
        assert response.status_code == 302
        # Back to the list with the same filters, to narrow them.
        assert response["Location"].startswith(LIST + "?") and f"region={JINSHUI}" in response["Location"]
        assert any("一次最多打印 1 家" in m for m in messages_of(client.get(response["Location"])))
        response = client.post(BATCH, {"selected": "1", "pk": [e.pk for e in jinshui_two]}, follow=True)
        assert any("一次最多打印 1 家" in m for m in messages_of(response))
        # Ticking one is within the limit.
        path = batch_pdf(client, client.post(BATCH, {"selected": "1", "pk": [jinshui_two[0].pk]}))
        assert pdf_pages(path) == 1
    assert not Code.objects.exclude(object_id=jinshui_two[0].pk).exists()
    assert Job.objects.count() == 1  # the refused batches started nothing
    with override_settings(CODE_PLACARD_BATCH_MAX=2):  # exactly at the limit
        assert pdf_pages(batch_pdf(client, client.get(BATCH, {"region": JINSHUI}), "two.pdf")) == 2


def test_no_matching_enterprise_gives_a_warning(login, users, enterprise):
    response = login(users["jinshui"]).get(BATCH, {"q": "不存在的企业名称"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(LIST)
    assert any("没有符合条件的企业" in m for m in messages_of(response))


@pytest.mark.parametrize("who", ["owner", "outsider", "staff"])
def test_enterprise_users_cannot_print_batches(login, users, staff, enterprise, who):
    client = login(staff if who == "staff" else users[who])
    assert client.get(BATCH).status_code == 403
    assert client.post(BATCH, {"selected": "1", "pk": [enterprise.pk]}).status_code == 403
    assert not Code.objects.exists() and not Job.objects.exists()


def test_batches_need_a_login(client, enterprise):
    response = client.get(BATCH)
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))
