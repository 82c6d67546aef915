"""More record builders for the data connection API tests (check records, risk objects, map files) and small
assertions shared by the test modules."""
import datetime
import io
import json

from django.utils import timezone
from PIL import Image

from tests.api.helpers import bearer


def today():
    return timezone.localdate()


def days_ago(n):
    return str(today() - datetime.timedelta(days=n))


def check_record(enterprise, external_id="C-1", **fields):
    record = {"external_id": external_id, "enterprise": enterprise.uscc, "checked_on": days_ago(1), "kind": "daily",
              "checker": "王五", "note": "班前检查",
              "items": [{"text": "储罐静电接地完好", "result": "pass"},
                        {"text": "可燃气体报警器完好", "result": "fail", "note": "2号探头失灵"}]}
    record.update(fields)
    return record


def measure(content="对液位进行巡检", **fields):
    return {"content": content, "category": "engineering", "tier": "company", "post": "操作工", "person": "李四",
            "frequency_value": 1, "frequency_unit": "day", **fields}


def lec_event(name="泄漏造成火灾", lec_l="3", lec_e="6", lec_c="40", measures=None, **fields):
    """A risk event graded by LEC: 3 × 6 × 40 = 720, 重大风险 unless other factors are given."""
    return {"name": name, "method": "lec", "lec_l": lec_l, "lec_e": lec_e, "lec_c": lec_c, "consequence": "爆炸、火灾",
            "accident_category": "08", "measures": measures if measures is not None else [measure()], **fields}


def risk_object(enterprise, external_id="R-1", name="甲醇罐区", units=None, **fields):
    """One analysis object with two units: 罐区 (one source, one LEC event with one measure) and 检修平台 (one LS
    event, 3 × 3 = 9, 一般风险, no measure)."""
    if units is None:
        units = [
            {"name": "甲醇罐区微单元", "sources": [{"name": "甲醇储罐", "events": [lec_event()]}]},
            {"name": "检修平台", "sources": [{"name": "检修作业", "events": [
                {"name": "检修作业高空坠落", "method": "ls", "ls_l": 3, "ls_s": 3, "consequence": "高处坠落"}]}]},
        ]
    return {"external_id": external_id, "enterprise": enterprise.uscc, "name": name, "kind": "place",
            "department": "安环部", "person": "张三", "units": units, **fields}


def png_bytes(size=(64, 32), color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def pdf_bytes():
    from weasyprint import HTML

    return HTML(string="<style>@page { size: 200mm 100mm; margin: 10mm }</style>"
                       "<h1>安全风险四色分布图</h1><p>甲醇罐区 重大风险</p>").write_pdf()


def raw_post(client, token, path, body, content_type="application/json"):
    """POST `body` (bytes or str) as it is, not encoded by the test client."""
    return client.generic("POST", f"/api/v1/{path}", body, content_type=content_type, **bearer(token))


def get(client, token, path, **params):
    return client.get(f"/api/v1/{path}", params, **bearer(token))


def delete(client, token, path):
    return client.delete(f"/api/v1/{path}", **bearer(token))


def results(response):
    """[(result, external_id)] of a batch answer."""
    assert response.status_code == 200, response.content.decode()
    return [(r["result"], r["external_id"]) for r in response.json()["results"]]


def errors_of(response, index=0):
    """{field: message} of record `index` of a batch answer."""
    return {e["field"]: e["message"] for e in response.json()["results"][index]["errors"]}


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_refused(response, status, code=None):
    """A JSON error answer with `status`, a Chinese `detail`, and (when given) `code`."""
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert has_chinese(body["detail"]), body
    if code is not None:
        assert body["code"] == code, body
    return body
