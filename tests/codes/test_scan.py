"""Scanning a code: what the QR carries, and what each kind of viewer sees of the enterprise behind it."""
import base64
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from django.conf import settings
from django.core import signing
from django.test import Client, override_settings
from django.urls import reverse

from tests.codes.helpers import PRIVATE, decode_pdf, decode_png, element_text, path_of, scan_page, write
from tests.factories import TOWNSHIP, create_enterprise
from worksafe.archive.models import Enterprise
from worksafe.codes import targets
from worksafe.codes.models import SIGNER, Code, Scan

pytestmark = pytest.mark.django_db

SITE = "https://aq.example.gov.cn"
DEFAULT_FIELDS = ["name", "address", "industry", "risk_level", "safety_office_phone"]


@pytest.fixture(autouse=True)
def _site(settings):
    """A public https site, as deployed (the code must use it, not the request's host)."""
    settings.SITE_URL = SITE
    settings.CODE_PUBLIC_FIELDS = DEFAULT_FIELDS


def downloaded_url(tmp_path, user, key, pk, kind="png"):
    """Download the code picture as `user` would and read it back with zbarimg: the URL printed on the placard."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("codes:code_image", args=[key, pk, kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    values = decode_png(write(tmp_path, f"{key}-{pk}.png", response.content))
    assert len(values) == 1
    return values[0]


@pytest.fixture
def scanned(coded, users, tmp_path):
    """The scan path read from the downloaded PNG of the 金水区 enterprise's code."""
    return path_of(downloaded_url(tmp_path, users["owner"], "enterprise", coded.pk))


def expected_fields(config):
    """The data-field keys a scan page shows for `config` (the name is the title; no risk level is graded yet)."""
    return [k for k in config if k not in ("name", "risk_level")]


def assert_nothing_private(html, enterprise):
    for field, value in PRIVATE.items():
        assert value not in html, f"{field} leaked"
    assert str(enterprise.longitude) not in html and str(enterprise.latitude) not in html
    # Also the coordinates as a map link might print them, shortened.
    assert f"{enterprise.longitude:.4f}" not in html and f"{enterprise.latitude:.4f}" not in html


def scan_as(client, path, user=None):
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(path)


# What the QR carries --------------------------------------------------------------------------------------


def test_the_png_encodes_a_signed_url_of_the_site_and_nothing_identifying(coded, users, tmp_path):
    url = downloaded_url(tmp_path, users["owner"], "enterprise", coded.pk)
    code = Code.objects.get(object_id=coded.pk, revoked_at=None)
    assert url == code.url
    assert url.startswith(settings.SITE_URL + "/q/") and url.startswith("https://")
    parts = urlsplit(url)
    assert parts.query == "" and parts.fragment == ""
    segments = parts.path.split("/")
    assert str(coded.pk) not in segments
    assert not any(s.isdigit() for s in segments)
    assert coded.uscc not in url and coded.uscc.lower() not in url.lower()
    # The token is random (96 bits) and signed (96-bit HMAC): the URL is the token plus its signature, no more,
    # short enough for a version-4 symbol.
    token, signature = segments[-1].split(":")
    assert token == code.token and len(token) == 16 and len(signature) == 16
    assert SIGNER.unsign(segments[-1]) == token
    assert segno.make(url, error="m").version <= 4


def test_codes_are_random_not_sequential(enterprise):
    more = [create_enterprise(name=f"金水序号测试{i}") for i in range(3)]
    codes = Code.active_for([enterprise, *more])
    tokens = [c.token for c in codes.values()]
    assert len(set(tokens)) == len(tokens)
    # No shared prefix worth speaking of (a counter or a timestamp would share one), and only URL-safe characters.
    assert len({t[:4] for t in tokens}) == len(tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", t) for t in tokens)


def test_the_site_url_is_the_configured_one_not_the_requests_host(coded, users, tmp_path, settings):
    settings.SITE_URL = "https://other.example.org"
    url = downloaded_url(tmp_path, users["owner"], "enterprise", coded.pk)
    assert url.startswith("https://other.example.org/q/")
    assert "testserver" not in url


def test_the_svg_download_is_an_svg_of_the_same_code(coded, users, tmp_path, login):
    response = login(users["jinshui"]).get(reverse("codes:code_image", args=["enterprise", coded.pk, "svg"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"].startswith("attachment")
    root = ET.fromstring(response.content)
    assert root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")
    # zbarimg cannot read SVG: draw it into a PDF with WeasyPrint, rasterise that and decode the picture.
    from weasyprint import HTML

    data = base64.b64encode(response.content).decode()
    pdf = HTML(string=f'<img style="width:80mm;height:80mm" src="data:image/svg+xml;base64,{data}">').write_pdf()
    [values] = decode_pdf(write(tmp_path, "svg.pdf", pdf), tmp_path)
    assert values == [Code.active(coded).url]


# Tiers ------------------------------------------------------------------------------------------------------

PUBLIC_VIEWERS = ["erqi", "outsider", "chem"]  # logged in, but without this enterprise in scope


def test_anonymous_sees_exactly_the_public_fields(client, coded, scanned):
    response = client.get(scanned)
    page = scan_page(response)
    html = response.content.decode()
    assert page.tier == "public"
    assert page.title == coded.name
    assert page.fields == expected_fields(DEFAULT_FIELDS) == ["address", "industry", "safety_office_phone"]
    assert page.values == {"address": coded.address, "industry": str(coded.industry), "safety_office_phone": coded.safety_office_phone}
    assert "actions" not in page.testids
    assert_nothing_private(html, coded)
    assert coded.uscc not in html
    assert coded.duty_phone not in html
    # Scanning is anonymous: nothing but the time and the tier is kept.
    scan = Scan.objects.get()
    assert (scan.tier, scan.user, scan.code.object_id) == ("public", None, coded.pk)
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_anonymous_page_offers_a_login_that_comes_back_to_the_code(client, coded, scanned):
    page = scan_page(client.get(scanned))
    login_links = [h for h in page.links if h.startswith(reverse("core:login"))]
    assert len(login_links) == 1
    assert parse_qs(urlsplit(login_links[0]).query)["next"] == [scanned]


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_the_enterprises_own_users_see_the_public_card_and_their_actions(login, users, staff, coded, scanned, who):
    user = staff if who == "staff" else users[who]
    response = scan_as(login(user), scanned)
    page = scan_page(response)
    assert page.tier == "enterprise"
    assert page.title == coded.name
    assert page.fields == expected_fields(DEFAULT_FIELDS)
    assert "actions" in page.testids
    assert reverse("archive:workbench") in page.links
    assert coded.get_absolute_url() in page.links
    # On site: the dual-prevention work the code is scanned for.
    for name in ("risks:patrol_add", "hazards:check_add", "hazards:hazard_add"):
        assert reverse(name, args=[coded.pk]) in page.links
    assert_nothing_private(response.content.decode(), coded)
    scan = Scan.objects.get()
    assert (scan.tier, scan.user) == ("enterprise", user)


@pytest.mark.parametrize("who", ["jinshui", "city", "province", "sysadmin"])
def test_regulators_in_scope_go_to_the_full_archive(login, users, coded, scanned, who):
    response = scan_as(login(users[who]), scanned)
    assert response.status_code == 302
    assert response["Location"] == coded.get_absolute_url()
    assert login(users[who]).get(response["Location"]).status_code == 200
    scan = Scan.objects.get()
    assert (scan.tier, scan.user) == ("regulator", users[who])


@pytest.mark.parametrize("who", PUBLIC_VIEWERS)
def test_logged_in_users_without_scope_see_the_public_tier_only(login, users, coded, scanned, who):
    """二七区's regulator, 二七区's enterprise, the chemicals division (a 机械 enterprise is not theirs)."""
    response = scan_as(login(users[who]), scanned)
    page = scan_page(response)
    html = response.content.decode()
    assert page.tier == "public"
    assert page.fields == expected_fields(DEFAULT_FIELDS)
    assert "actions" not in page.testids
    assert coded.get_absolute_url() not in html
    assert_nothing_private(html, coded)
    assert coded.uscc not in html
    assert "无权查看" in html
    scan = Scan.objects.get()
    assert (scan.tier, scan.user) == ("public", users[who])


def test_an_industry_narrowed_regulator_gets_the_archive_of_its_own_industry(login, users, other_enterprise, tmp_path):
    """The control for `chem` above: the chemicals division does reach a chemicals enterprise in another county."""
    path = path_of(downloaded_url(tmp_path, users["outsider"], "enterprise", other_enterprise.pk))
    response = scan_as(login(users["chem"]), path)
    assert response.status_code == 302 and response["Location"] == other_enterprise.get_absolute_url()
    # … while 金水区's regulator gets only the public tier of 二七区's enterprise.
    response = scan_as(login(users["jinshui"]), path)
    assert scan_page(response).tier == "public"


def test_a_township_regulator_sees_only_its_townships_archives(login, users, township_user, enterprise):
    inside = create_enterprise(TOWNSHIP, name="经八路测试商贸有限公司")
    client = login(township_user)
    response = client.get(path_of(Code.active(inside).url))
    assert response.status_code == 302 and response["Location"] == inside.get_absolute_url()
    # The county's enterprise (registered at county level) is not the township's.
    assert scan_page(client.get(path_of(Code.active(enterprise).url))).tier == "public"


def test_an_inactive_account_is_treated_as_anonymous(client, users, coded, scanned):
    user = users["jinshui"]
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    user.is_active = False
    user.save()
    page = scan_page(client.get(scanned))
    assert page.tier == "public"
    assert Scan.objects.get().user is None


# Configuration --------------------------------------------------------------------------------------------

CONFIGS = {
    "plus_duty_phone": DEFAULT_FIELDS + ["duty_phone"],
    "without_address": [f for f in DEFAULT_FIELDS if f != "address"],
    "with_uscc_and_region": ["name", "uscc", "region", "safety_office_name"],
    "name_only": ["name"],
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_configuration_decides_the_public_fields(login, client, users, coded, scanned, config):
    values = targets.ENTERPRISE.public_values(coded)
    with override_settings(CODE_PUBLIC_FIELDS=config):
        anonymous = client.get(scanned)
        own = scan_as(login(users["owner"]), scanned)
    for response, tier in [(anonymous, "public"), (own, "enterprise")]:
        page = scan_page(response)
        html = response.content.decode()
        assert page.tier == tier
        assert page.fields == expected_fields(config)
        assert page.values == {k: str(values[k]) for k in expected_fields(config)}
        for hidden in set(targets.PUBLIC_FIELDS) - set(config):
            if hidden not in ("risk_level", "region", "industry") and values[hidden]:
                assert values[hidden] not in html, f"{hidden} shown although not configured"
        assert_nothing_private(html, coded)


def test_everything_allowed_is_still_nothing_private(client, coded, scanned):
    with override_settings(CODE_PUBLIC_FIELDS=list(targets.PUBLIC_FIELDS)):
        response = client.get(scanned)
    page = scan_page(response)
    assert set(page.fields) == set(targets.PUBLIC_FIELDS) - {"name", "risk_level"}
    assert_nothing_private(response.content.decode(), coded)


def test_personal_fields_are_not_candidates_for_the_public_tier():
    private = {"legal_representative", "legal_representative_mobile", "safety_head", "safety_head_mobile", "longitude", "latitude"}
    assert not private & set(targets.PUBLIC_FIELDS)
    assert set(DEFAULT_FIELDS) <= set(targets.PUBLIC_FIELDS)
    assert "uscc" not in DEFAULT_FIELDS


def test_a_personal_field_slipped_into_the_configuration_is_never_shown(coded, scanned):
    """The system check refuses it at start-up; should a process run anyway, scanning shows the rest and not it."""
    client = Client(raise_request_exception=False)
    with override_settings(CODE_PUBLIC_FIELDS=DEFAULT_FIELDS + ["legal_representative_mobile", "longitude", "safety_head"]):
        response = client.get(scanned)
    assert_nothing_private(response.content.decode(), coded)
    assert scan_page(response).fields == expected_fields(DEFAULT_FIELDS)


def test_empty_values_are_left_out(client, coded, scanned):
    coded.safety_office_phone = ""
    coded.save()
    page = scan_page(client.get(scanned))
    assert page.fields == ["address", "industry"]


def test_a_graded_risk_level_shows_on_the_public_card(client, coded, scanned, monkeypatch):
    """Risk grading comes later; once an enterprise has a `risk_level` (label, color), the card shows it."""
    monkeypatch.setattr(Enterprise, "risk_level", SimpleNamespace(label="较大风险", color="orange"), raising=False)
    response = client.get(scanned)
    page = scan_page(response)
    assert page.fields == ["address", "industry", "risk_level", "safety_office_phone"]
    assert page.values["risk_level"] == "较大风险"
    assert 'class="badge bg-orange' in response.content.decode()
    with override_settings(CODE_PUBLIC_FIELDS=["name", "address"]):
        assert "较大风险" not in client.get(scanned).content.decode()


# Refused codes ----------------------------------------------------------------------------------------------


def _change(s, i):
    return s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]


BAD = {
    "token_char_changed": lambda s, c, e: _change(s, 0),
    "token_last_char_changed": lambda s, c, e: _change(s, s.index(":") - 1),
    "signature_char_changed": lambda s, c, e: _change(s, len(s) - 1),
    "signature_first_char_changed": lambda s, c, e: _change(s, s.index(":") + 1),
    "truncated_by_one": lambda s, c, e: s[:-1],
    "truncated_to_half": lambda s, c, e: s[: len(s) // 2],
    "token_without_signature": lambda s, c, e: c.token,
    "token_with_empty_signature": lambda s, c, e: c.token + ":",
    "garbage": lambda s, c, e: "hello-world",
    "colons": lambda s, c, e: ":::",
    "uscc": lambda s, c, e: e.uscc,
    "pk": lambda s, c, e: str(e.pk),
    "other_salt": lambda s, c, e: signing.Signer(salt="worksafe.other").sign(c.token),
    "signed_unknown_token": lambda s, c, e: SIGNER.sign("x" * 22),
    "signed_uscc": lambda s, c, e: SIGNER.sign(e.uscc),
}


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_damaged_or_forged_codes_are_refused(login, users, coded, bad):
    code = Code.active(coded)
    value = bad(code.signed, code, coded)
    assert value != code.signed
    for who in (None, "city"):  # whoever scans: a regulator is not redirected either
        c = login(users[who]) if who else Client()
        response = c.get(reverse("scan", args=[value]))
        assert response.status_code == 404
        html = response.content.decode()
        assert 'data-testid="scan-invalid"' in html
        assert "scan-card" not in html and coded.name not in html
    assert not Scan.objects.exists()
    # The real one still works.
    assert Client().get(reverse("scan", args=[code.signed])).status_code == 200


def test_a_revoked_code_says_so(login, users, coded, scanned):
    old = Code.active(coded)
    new = old.regenerate(users["jinshui"], "二维码牌遗失")
    for who in (None, "owner", "jinshui"):
        c = login(users[who]) if who else Client()
        response = c.get(scanned)
        assert response.status_code == 410
        html = response.content.decode()
        assert 'data-testid="scan-revoked"' in html
        assert "已失效" in html
        assert "scan-card" not in html
    assert path_of(new.url) != scanned
    assert scan_page(Client().get(path_of(new.url))).title == coded.name


def test_a_code_whose_object_is_gone_is_invalid(client, coded, scanned):
    Enterprise.objects.filter(pk=coded.pk).delete()
    response = client.get(scanned)
    assert response.status_code == 404
    assert 'data-testid="scan-invalid"' in response.content.decode()


# Scan counts ------------------------------------------------------------------------------------------------


def stats_text(response):
    """The scan statistics block of a page as plain text."""
    assert response.status_code == 200
    text = element_text(response.content.decode(), "scan-stats")
    assert text is not None, "no scan-stats block"
    return text


def counts(text):
    """(total, last 30 days, (public, enterprise, regulator)) as the scan statistics print them."""
    total = int(re.search(r"累计扫码\s*(\d+)\s*次", text)[1])
    recent = int(re.search(r"近\s*30\s*天\s*(\d+)\s*次", text)[1])
    tiers = re.search(r"公众\s*(\d+)\s*·\s*本企业\s*(\d+)\s*·\s*监管部门\s*(\d+)", text)
    return total, recent, tuple(int(t) for t in tiers.groups())


def test_scan_counts_show_on_the_enterprise_and_code_pages(client, login, users, coded, scanned):
    pages = {
        "archive": (users["jinshui"], coded.get_absolute_url()),
        "code": (users["jinshui"], reverse("codes:code_detail", args=["enterprise", coded.pk])),
        "owner_archive": (users["owner"], coded.get_absolute_url()),
        "workbench": (users["owner"], reverse("archive:workbench")),
    }

    def seen():
        out = {}
        for name, (user, url) in pages.items():
            out[name] = counts(stats_text(login(user).get(url)))
        return out

    assert set(seen().values()) == {(0, 0, (0, 0, 0))}
    anonymous = Client()
    anonymous.get(scanned)
    anonymous.get(scanned)  # the same phone again within the hour: not counted twice
    Client(REMOTE_ADDR="198.51.100.7").get(scanned)
    scan_as(login(users["owner"]), scanned)
    scan_as(login(users["jinshui"]), scanned)
    scan_as(login(users["erqi"]), scanned)
    assert set(seen().values()) == {(5, 5, (3, 1, 1))}
    # A regenerated code starts afresh, but the enterprise's counts keep the old code's scans.
    new = Code.active(coded).regenerate(users["jinshui"])
    anonymous.get(path_of(new.url))
    assert set(seen().values()) == {(6, 6, (4, 1, 1))}
    assert Scan.objects.filter(code=new).count() == 1


def test_scans_of_other_codes_do_not_count(client, login, users, coded, other_enterprise, scanned):
    client.get(path_of(Code.active(other_enterprise).url))
    assert counts(stats_text(login(users["jinshui"]).get(coded.get_absolute_url())))[0] == 0
    assert counts(stats_text(login(users["outsider"]).get(other_enterprise.get_absolute_url())))[0] == 1


def test_scan_rows_keep_time_tier_and_user_only(client, login, users, coded, scanned):
    client.get(scanned)
    scan_as(login(users["owner"]), scanned)
    rows = list(Scan.objects.order_by("id").values())
    assert [(r["tier"], r["user_id"]) for r in rows] == [("public", None), ("enterprise", users["owner"].pk)]
    assert set(rows[0]) == {"id", "code_id", "time", "tier", "user_id"}
    assert all(r["time"] is not None for r in rows)



def test_the_qr_on_the_archive_page_is_the_active_code(login, users, coded, tmp_path):
    """The card's inline SVG, drawn by WeasyPrint and read back: the current code, also after regeneration."""
    from weasyprint import HTML

    def shown(name):
        html = login(users["jinshui"]).get(coded.get_absolute_url()).content.decode()
        svg = re.search(r'data-testid="qr">\s*(<svg.*?</svg>)', html, re.S)[1]
        pdf = HTML(string=f"<body>{svg}</body>").write_pdf()
        [values] = decode_pdf(write(tmp_path, f"{name}.pdf", pdf), tmp_path, dpi=150)
        return values

    assert shown("before") == [Code.active(coded).url]
    Code.active(coded).regenerate(users["jinshui"])
    assert shown("after") == [Code.active(coded).url]
