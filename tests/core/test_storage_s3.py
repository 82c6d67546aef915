"""Uploads on S3-compatible object storage (WORKSAFE_STORAGE=s3), for several application machines (issue 18).

The storage is built by the settings' own `upload_storage()` from WORKSAFE_S3_* variables, as a deployment builds it,
against an in-process S3 (moto) at an intranet-style endpoint with path addressing, as MinIO or Ceph RGW would be.
Files go through the real views: stored under random names with the bucket's private ACL, served only through the
scoped views (never a bucket URL), refused out of scope; a store refusing writes costs the user a message, not what
they typed; a PDF site plan is rendered into the bucket; scrub_images cleans objects in place.
"""
import io
import os
import re
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.urls import reverse
from django.utils.module_loading import import_string
from PIL import Image
from storages.backends.s3 import S3Storage

from tests.core.test_upload_metadata import assert_clean, gps_jpeg, hazard_data, upload
from tests.factories import create_hazard
from tests.risks.test_map import body, pdf_bytes, post_plan, post_ready
from worksafe import settings as project_settings
from worksafe.core import storage
from worksafe.hazards.models import Hazard, HazardPhoto
from worksafe.risks.models import FourColourMap

ENDPOINT = "http://oss.aq.example.internal:9000"
# moto answers for AWS's own hosts only, unless told of others before it is imported.
os.environ["MOTO_S3_CUSTOM_ENDPOINTS"] = ENDPOINT

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

pytestmark = pytest.mark.django_db

BUCKET = "worksafe-uploads"
REGION = "us-east-1"
S3_ENV = {"STORAGE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": ENDPOINT, "S3_REGION": REGION,
          "S3_ACCESS_KEY_ID": "worksafe-app"}
PUBLIC_GRANTEES = {"http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}


@pytest.fixture
def s3_env(monkeypatch, tmp_path):
    """The deployment's environment for S3 storage; the secret through its _FILE variant, as env files do."""
    for name in ("STORAGE", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_ADDRESSING_STYLE", "S3_ACCESS_KEY_ID",
                 "S3_SECRET_ACCESS_KEY", "S3_ACCESS_KEY_ID_FILE", "S3_SECRET_ACCESS_KEY_FILE"):
        monkeypatch.delenv(f"WORKSAFE_{name}", raising=False)
    for name, value in S3_ENV.items():
        monkeypatch.setenv(f"WORKSAFE_{name}", value)
    secret = tmp_path / "s3_secret"
    secret.write_text("s3-secret-key\n")
    monkeypatch.setenv("WORKSAFE_S3_SECRET_ACCESS_KEY_FILE", str(secret))
    return monkeypatch


@pytest.fixture
def bucket(settings, s3_env):
    """An empty bucket, and STORAGES["default"] on it as settings.py builds it: a boto3 client to look inside."""
    with mock_aws():
        client = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION,
                              aws_access_key_id="worksafe-app", aws_secret_access_key="s3-secret-key")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": project_settings.upload_storage()}
        yield client


def keys(client):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def object_bytes(client, key):
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def assert_private(client, key):
    grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert grants and all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants), grants
    assert not PUBLIC_GRANTEES & {g["Grantee"].get("URI") for g in grants}


# The configuration ---------------------------------------------------------------------------------------------


def test_it_builds_a_private_s3_storage_from_the_environment(s3_env):
    built = project_settings.upload_storage()
    assert issubclass(import_string(built["BACKEND"]), S3Storage)
    assert built["OPTIONS"] == {
        "bucket_name": BUCKET, "endpoint_url": ENDPOINT, "region_name": REGION, "addressing_style": "path",
        "access_key": "worksafe-app", "secret_key": "s3-secret-key",
        "default_acl": None, "querystring_auth": True, "file_overwrite": False,
    }
    s3_env.setenv("WORKSAFE_S3_ADDRESSING_STYLE", "Virtual")  # 阿里云 OSS
    assert project_settings.upload_storage()["OPTIONS"]["addressing_style"] == "virtual"


def test_it_keeps_uploads_on_the_file_system_by_default(s3_env):
    s3_env.delenv("WORKSAFE_STORAGE")
    built = project_settings.upload_storage()
    assert issubclass(import_string(built["BACKEND"]), FileSystemStorage)
    assert built["OPTIONS"] == {"location": project_settings.DATA_DIR / "media"}


@pytest.mark.parametrize("change,message", [
    ({"S3_BUCKET": None}, "WORKSAFE_STORAGE=s3 须设置 WORKSAFE_S3_BUCKET（存放上传文件的存储桶名称）"),
    ({"S3_BUCKET": "  "}, "WORKSAFE_STORAGE=s3 须设置 WORKSAFE_S3_BUCKET（存放上传文件的存储桶名称）"),
    ({"STORAGE": "nfs"}, "WORKSAFE_STORAGE 应为 file（本机文件系统，默认）或 s3（S3 兼容对象存储），不能是“nfs”"),
    ({"S3_ADDRESSING_STYLE": "auto"}, "WORKSAFE_S3_ADDRESSING_STYLE 应为 path 或 virtual，不能是“auto”"),
    ({"S3_SECRET_ACCESS_KEY_FILE": None}, "WORKSAFE_S3_ACCESS_KEY_ID 和 WORKSAFE_S3_SECRET_ACCESS_KEY 须同时设置"),
])
def test_it_refuses_an_incomplete_storage_configuration(s3_env, change, message):
    for name, value in change.items():
        if value is None:
            s3_env.delenv(f"WORKSAFE_{name}")
        else:
            s3_env.setenv(f"WORKSAFE_{name}", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        project_settings.upload_storage()
    assert str(refused.value).startswith(message)


def test_the_command_refuses_to_start_with_s3_storage_but_no_bucket(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WORKSAFE_S3_") and k != "WORKSAFE_ENV_FILE"}
    environment.update(WORKSAFE_STORAGE="s3", WORKSAFE_DATA_DIR=str(tmp_path),
                       DJANGO_SETTINGS_MODULE="worksafe.settings")
    done = subprocess.run([sys.executable, "-m", "worksafe.cli", "check"], env=environment, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "WORKSAFE_STORAGE=s3 须设置 WORKSAFE_S3_BUCKET（存放上传文件的存储桶名称）" in done.stderr


# Uploads through the real pages --------------------------------------------------------------------------------


def test_it_stores_a_hazard_photo_privately_and_serves_it_only_in_scope(login, users, enterprise, bucket):
    owner = login(users["owner"])
    r = owner.post(reverse("hazards:hazard_add", args=[enterprise.pk]), hazard_data(photos=[upload("现场.jpg", gps_jpeg())]))
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    photo = HazardPhoto.objects.get()
    assert keys(bucket) == [photo.file.name]
    assert re.fullmatch(r"hazards/photos/[0-9a-f]{32}\.jpg", photo.file.name)
    assert_private(bucket, photo.file.name)
    data = object_bytes(bucket, photo.file.name)
    assert_clean(data, (40, 80), "top right")  # metadata stripped on the way in

    page = owner.get(photo.hazard.get_absolute_url()).content.decode()
    url = reverse("hazards:photo_detail", args=[photo.pk])
    assert f'src="{url}"' in page
    assert "oss.aq.example" not in page and BUCKET not in page and "X-Amz-" not in page  # no bucket URL handed out
    served = owner.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert body(served) == data

    for outsider in ("erqi", "outsider"):
        assert login(users[outsider]).get(url).status_code == 404


def test_it_answers_404_for_a_photo_missing_from_the_bucket(login, users, enterprise, bucket):
    photo = HazardPhoto.objects.create(hazard=create_hazard(enterprise), stage="before",
                                       file=ContentFile(gps_jpeg(), name="p.jpg"))
    bucket.delete_object(Bucket=BUCKET, Key=photo.file.name)
    assert login(users["owner"]).get(reverse("hazards:photo_detail", args=[photo.pk])).status_code == 404


def test_an_object_store_refusing_the_upload_keeps_what_the_user_typed_and_stores_nothing(login, users, enterprise,
                                                                                          bucket):
    bucket.delete_bucket(Bucket=BUCKET)  # the store answers, but refuses every write
    r = login(users["owner"]).post(reverse("hazards:hazard_add", args=[enterprise.pk]),
                                   hazard_data(photos=[upload("现场.jpg", gps_jpeg())]))
    assert r.status_code == 200
    form = r.context["form"]
    assert form.non_field_errors() == [storage.MESSAGE]
    assert form["name"].value() == "消防通道堆放杂物"
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()


def test_a_pdf_site_plan_is_rendered_into_the_bucket_and_replacing_it_leaves_one_object(
        login, users, enterprise, bucket, django_capture_on_commit_callbacks):
    owner = login(users["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post_plan(owner, enterprise, "平面图.pdf", pdf_bytes()).status_code == 302
    first = FourColourMap.objects.get(enterprise=enterprise).plan.name
    with django_capture_on_commit_callbacks(execute=True):  # the replaced plan is deleted once the change commits
        assert post_plan(owner, enterprise, "平面图.pdf", pdf_bytes(300, 100)).status_code == 302
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert re.fullmatch(r"risks/plans/[0-9a-f]{32}\.png", fcm.plan.name) and fcm.plan.name != first
    assert keys(bucket) == [fcm.plan.name]
    assert_private(bucket, fcm.plan.name)

    served = owner.get(reverse("risks:map_plan", args=[enterprise.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    data = body(served)
    assert data == object_bytes(bucket, fcm.plan.name)
    width, height = Image.open(io.BytesIO(data)).size
    assert (width, height) == (fcm.plan_width, fcm.plan_height)
    assert width == 2400 and height == pytest.approx(800, abs=1)  # the longest side at 2400 pixels
    assert login(users["erqi"]).get(reverse("risks:map_plan", args=[enterprise.pk])).status_code == 404


def test_a_pdf_four_colour_map_is_kept_as_sent_and_served_in_scope(login, users, enterprise, bucket):
    pdf = pdf_bytes()
    assert post_ready(login(users["owner"]), enterprise, "四色图.pdf", pdf).status_code == 302
    fcm = FourColourMap.objects.get(enterprise=enterprise)
    assert keys(bucket) == [fcm.ready_map.name] and fcm.ready_map.name.endswith(".pdf")
    assert object_bytes(bucket, fcm.ready_map.name) == pdf
    served = login(users["jinshui"]).get(reverse("risks:map_ready", args=[enterprise.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf" and body(served) == pdf
    assert login(users["erqi"]).get(reverse("risks:map_ready", args=[enterprise.pk])).status_code == 404


def test_scrub_images_cleans_photos_in_the_bucket_in_place(enterprise, bucket, capsys):
    """A photo stored before uploads were cleaned is rewritten under its own key, and nothing else is left behind."""
    old = HazardPhoto.objects.create(hazard=create_hazard(enterprise), stage="before",
                                     file=ContentFile(gps_jpeg(), name="old.jpg"))
    assert Image.open(io.BytesIO(object_bytes(bucket, old.file.name))).getexif()

    call_command("scrub_images")
    assert "合计：已清除 1，无需处理 0，无法处理 0，文件缺失 0" in capsys.readouterr().out
    assert keys(bucket) == [old.file.name]
    assert_clean(object_bytes(bucket, old.file.name), (40, 80), "top right")
    assert_private(bucket, old.file.name)

    call_command("scrub_images")
    assert "合计：已清除 0，无需处理 1，无法处理 0，文件缺失 0" in capsys.readouterr().out
