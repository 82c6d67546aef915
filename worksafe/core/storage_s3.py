"""Uploads on an S3-compatible object store, with the guarantees of core.storage: files stored by a request that then
fails are deleted again, and the store's errors (unreachable, access denied, bucket full) become StorageFailed, so the
user gets the same Chinese message as for a full disk. A module of its own: boto3 takes half a second to import,
which only a deployment that uses S3 should pay. (An object appears whole or not at all: no partial writes here.)"""
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage as DjangoStoragesS3Storage

from .storage import TrackedSaves


class S3Storage(TrackedSaves, DjangoStoragesS3Storage):
    failures = (OSError, BotoCoreError, ClientError)
