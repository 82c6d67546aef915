"""Fixtures of other areas that tests here drive (test_upload_faults: a check against a plan, an API upload).

Imported here rather than into the test module, where each test's parameter of the same name would shadow the import.
"""
from tests.api.conftest import owner_sub, token  # noqa: F401  (fixtures)
from tests.hazards.test_checks import checklist, plan  # noqa: F401  (fixtures)
