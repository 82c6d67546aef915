"""The `worksafe` console command: demo data and loading another province's regions."""
import subprocess
import sys
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from worksafe.archive.models import Enterprise, KeySupervisionItem
from worksafe.core import demo as demo_data
from worksafe.core.models import ChangeRecord, Organization, Region, RegionLevel, Role, User
from worksafe.core.validators import validate_uscc
from worksafe.hazards.models import Checklist, Hazard, PublicReport
from worksafe.incidents.models import Penalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_allowed(settings):
    """The demo only writes to SQLite, or to another database in DEBUG (as the PostgreSQL test run is)."""
    settings.DEBUG = not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def clear_demo():
    Enterprise.objects.all().delete()
    Checklist.objects.all().delete()  # the province's guideline, and 随手拍 reports: they outlive their owners
    PublicReport.objects.all().delete()
    User.objects.all().delete()
    while Organization.objects.exists():
        Organization.objects.filter(children__isnull=True).delete()


def test_demo_creates_accounts_and_enterprises(demo_allowed):
    out = run("demo", "--enterprises", "12")
    assert Enterprise.objects.count() == 12
    for e in Enterprise.objects.all():
        validate_uscc(e.uscc)
        e.full_clean()  # every 表1 field valid
    assert KeySupervisionItem.objects.exists()
    for username in ["sysadmin", "secadmin", "auditor", "henan", "zhengzhou", "jinshui", "erqi"]:
        assert User.objects.get(username=username).check_password("demo2026!")
        assert username in out
    admins = User.objects.filter(role=Role.ENTERPRISE_ADMIN)
    assert {a.enterprise.region_id for a in admins} == {"410105", "410103"}
    assert all(a.username == a.enterprise.uscc and a.username in out for a in admins)
    assert "demo2026!" in out
    assert Organization.objects.get(name="金水区应急管理局").parent.name == "郑州市应急管理局"
    assert all(u.mobile for u in User.objects.filter(organization__isnull=False))  # 通讯录 has numbers to show


def fingerprint():
    """Row counts of every table the demo fills, and what the random streams chose: enterprises, items, hazards, penalties."""
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if m.__module__.startswith("worksafe.")
              and m is not ChangeRecord}
    return (counts, sorted(Enterprise.objects.values_list("uscc", "name")), list(KeySupervisionItem.objects.values_list("name", "area")),
            sorted(Hazard.objects.values_list("name", "level")), sorted(Penalty.objects.values_list("kind", "state", "reason")))


def test_demo_is_reproducible(demo_allowed):
    run("demo", "--enterprises", "15", "--seed", "7")
    first = fingerprint()
    clear_demo()
    run("demo", "--enterprises", "15", "--seed", "7")
    assert fingerprint() == first
    clear_demo()
    run("demo", "--enterprises", "15", "--seed", "8")
    assert fingerprint()[1] != first[1]


seen = []


def step_of_a_new_module(demo):
    seen.append(("once", Enterprise.objects.count(), KeySupervisionItem.objects.exists(), User.objects.filter(role=Role.ENTERPRISE_ADMIN).count()))


def each_step_of_a_new_module(demo, e):
    seen.append(("each", e.pk, Hazard.objects.filter(enterprise=e).exists(), e.secondary_units.exists()))


def test_demo_runs_a_new_modules_steps_in_their_place(demo_allowed, monkeypatch):
    """A module adds its demo data by registering steps (core/demo.py): here one between the filled-in enterprises and
    their accounts, and one per enterprise between its hazards and its secondary units."""
    monkeypatch.setattr(demo_data, "_steps", [*demo_data._steps, (45, f"{__name__}.step_of_a_new_module")])
    monkeypatch.setattr(demo_data, "_each", [*demo_data._each, (35, f"{__name__}.each_step_of_a_new_module")])
    seen.clear()
    run("demo", "--enterprises", "3", "--seed", "2020")
    ids = sorted(Enterprise.objects.values_list("pk", flat=True))
    assert seen == [*[("each", pk, True, False) for pk in ids], ("once", 3, True, 0)]


def test_demo_runs_once(demo_allowed):
    run("demo", "--enterprises", "3")
    out = run("demo", "--enterprises", "3")
    assert "演示数据已存在" in out and Enterprise.objects.count() == 3


@pytest.mark.parametrize("n", [0, 1])
def test_demo_with_fewer_enterprises_than_demo_counties(demo_allowed, n):
    run("demo", "--enterprises", str(n))
    assert Enterprise.objects.count() == n
    assert User.objects.filter(role=Role.ENTERPRISE_ADMIN).count() == n


def test_demo_refuses_a_production_database(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.postgresql")
    with pytest.raises(CommandError, match="只能写入嵌入式 SQLite 演示库"):
        run("demo", "--enterprises", "3")
    monkeypatch.undo()
    assert not User.objects.filter(username="sysadmin").exists()


def test_demo_enterprises_are_spread_over_henan_with_zhengzhou_half(demo_allowed):
    run("demo", "--enterprises", "40")
    codes = list(Enterprise.objects.values_list("region_id", flat=True))
    assert all(Region.objects.get(code=c).level == RegionLevel.COUNTY for c in set(codes))
    assert sum(c.startswith("4101") for c in codes) >= 20


PROVINCE_CSV = """code,name,level,parent
420000,湖北省,province,
420100,武汉市,city,420000
420102,江岸区,county,420100
420102001,大智街道,township,420102
"""


def test_load_regions_adds_a_province(tmp_path):
    path = tmp_path / "regions_42.csv"
    path.write_text(PROVINCE_CSV, encoding="utf-8")
    out = run("load_regions", str(path))
    assert "已载入 4 个行政区划" in out
    assert Region.objects.get(code="420102001").full_name == "湖北省武汉市江岸区大智街道"
    assert Region.objects.get(code="410000").name == "河南省"  # Henan untouched
    # Loading again updates, it does not duplicate.
    path.write_text(PROVINCE_CSV.replace("江岸区", "江岸新区"), encoding="utf-8")
    run("load_regions", str(path))
    assert Region.objects.filter(code__startswith="42").count() == 4
    assert Region.objects.get(code="420102").name == "江岸新区"


@pytest.mark.parametrize("content,message", [
    (None, "无法载入"),
    ("code,name\n420000,湖北省\n", "无法载入"),
    ("code,name,level,parent\n420100,武汉市,city,429999\n", "上级"),
    ("code,name,level,parent\n420000,湖北省,state,\n", "级别"),
])
def test_load_regions_reports_bad_files_and_loads_nothing(tmp_path, content, message):
    path = tmp_path / "regions.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("load_regions", str(path))
    assert not Region.objects.filter(code__startswith="42").exists()


def test_the_console_command_runs_django_commands():
    result = subprocess.run([sys.executable, "-m", "worksafe.cli", "help", "demo"], capture_output=True, text=True, check=True)
    assert "--enterprises" in result.stdout and "演示数据" in result.stdout


def test_demo_leaves_an_audit_trail_free_of_passwords(demo_allowed):
    run("demo", "--enterprises", "2")
    assert not ChangeRecord.objects.filter(after__has_key="password").exists()
