"""Security headers (issue 17): the Content Security Policy with no inline scripts, and TLS behind nginx.

Inline scripts and on…= handlers are refused at the source: every template is read here, so one reintroduced fails
the suite even on a page no browser test opens. The TLS settings are computed once, when the settings module is
imported, so they are checked in a fresh interpreter with the environment a deployment would give it.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "worksafe").glob("**/templates/**/*.html"))

pytestmark = pytest.mark.django_db


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("who", [None, "owner"])
def test_it_sends_the_policy_with_no_inline_scripts(client, login, users, who):
    if who:
        login(users[who])
    response = client.get(reverse("archive:workbench") if who else reverse("core:login"), follow=True)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]  # neither 'unsafe-inline' nor 'unsafe-eval'
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


# ---- no inline script in any template ----

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def inline_scripts(text):
    """(line, what) for every inline script in a template's source: a <script> without src (a JSON data block, which
    json_script writes and no browser runs, is fine), an on…= event handler or a javascript: URL."""
    found = []
    for match in SCRIPT_TAG.finditer(text):
        attributes = match.group(1)
        if re.search(r"\ssrc\s*=", attributes) or re.search(r"""type\s*=\s*["']?application/json""", attributes):
            continue
        found.append((text.count("\n", 0, match.start()) + 1, match.group(0)))
    for number, line in enumerate(text.splitlines(), 1):
        found += [(number, m.group(0).strip()) for m in HANDLER.finditer(line)]
        found += [(number, m.group(0)) for m in JS_URL.finditer(line)]
    return sorted(found)


def test_it_finds_what_the_policy_would_block():
    source = """<p>ok</p>
<script>alert(1)</script><script src="/static/x.js"></script>
<script id="d" type="application/json">{}</script>
<button class="btn" onclick="return confirm('?')">x</button>
<form onsubmit = "go()"><a href="javascript:void(0)">y</a></form>"""
    assert inline_scripts(source) == [(2, "<script>"), (4, "onclick="), (5, "href=\"javascript:"), (5, "onsubmit =")]


def test_no_template_has_an_inline_script_or_handler():
    assert len(TEMPLATES) > 100  # the glob finds the project's templates
    found = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in TEMPLATES
             for line, what in inline_scripts(path.read_text(encoding="utf-8"))]
    assert found == [], "模板中不得有内联脚本（改为 static/ 下的脚本文件和 data-* 属性，见 static/actions.js）：\n" + "\n".join(found)


# ---- TLS ----

TLS_SETTINGS = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
                "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF",
                "X_FRAME_OPTIONS"]


def settings_from(tmp_path, **env):
    """The TLS settings worksafe.settings computes from WORKSAFE_<name>=value, read in a fresh interpreter."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WORKSAFE_")}
    environ.update({"WORKSAFE_DATA_DIR": str(tmp_path), "WORKSAFE_SECRET_KEY": "x" * 50},
                   **{f"WORKSAFE_{k}": v for k, v in env.items()})
    code = f"import json, worksafe.settings as s; print(json.dumps({{n: getattr(s, n) for n in {TLS_SETTINGS!r}}}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=True)
    values = json.loads(out.stdout.splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_it_serves_plain_http_unless_told_it_is_behind_tls(tmp_path):
    values = settings_from(tmp_path)
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # no proxy to overwrite it: a client could claim https
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert (values["SECURE_REFERRER_POLICY"], values["SECURE_CONTENT_TYPE_NOSNIFF"], values["X_FRAME_OPTIONS"]) == (
        "same-origin", True, "DENY")
    assert settings_from(tmp_path, SECURE_COOKIES="true")["SESSION_COOKIE_SECURE"] is True


def test_it_redirects_sends_hsts_and_trusts_the_proxy_behind_tls(tmp_path):
    values = settings_from(tmp_path, HTTPS="true")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    tuned = settings_from(tmp_path, HTTPS="true", HSTS_SECONDS="600", HSTS_INCLUDE_SUBDOMAINS="true")
    assert (tuned["SECURE_HSTS_SECONDS"], tuned["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (600, True)


def test_it_takes_a_request_forwarded_as_https_as_secure(client, settings, tmp_path):
    for name, value in settings_from(tmp_path, HTTPS="true").items():
        setattr(settings, name, value)
    login_url = reverse("core:login")

    response = client.get(login_url, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.wsgi_request.is_secure()
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["csrftoken"]["secure"] is True

    for proto in ({}, {"HTTP_X_FORWARDED_PROTO": "http"}):
        response = client.get(login_url, **proto)
        assert response.status_code == 301 and response["Location"] == f"https://testserver{login_url}"
        assert "Strict-Transport-Security" not in response
