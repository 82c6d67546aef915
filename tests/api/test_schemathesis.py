"""schemathesis against the OpenAPI document the app serves (/api/v1/openapi.json): every operation, with valid and
invalid generated inputs and a valid bearer token, answers no 5xx, only status codes and content types the document
lists, and bodies its schemas describe. A bounded number of examples per operation and mode, derandomized, so a run
is repeatable and takes well under a minute."""
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from tests.api.helpers import hazard_record, post
from tests.api.records import check_record, png_bytes, risk_object
from tests.api.test_other_uploads import upload_map
from worksafe.api.api import api

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 20
METHODS = ("get", "post", "put", "patch", "delete")
# Collected from the document itself, so an operation added later is tested without editing this file.
PATHS = api.get_openapi_schema(path_prefix="/api/v1").get("paths", {})
OPERATIONS = sorted((path, method.upper()) for path, item in PATHS.items() for method in item if method in METHODS)


@contextmanager
def same_connection():
    """Requests to the WSGI application run in this thread, on the test's own database connection, inside its
    transaction: as Django's test client does, keep the request signals from closing that connection (with
    PostgreSQL's CONN_MAX_AGE = 0 they would). The test client reconnects them after each of its own requests, so
    this wraps every call rather than the whole test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def schema(settings):
    settings.API_RATE_LIMITS = ((60, 100_000),)
    settings.API_TOKEN_LIMITS = ((60, 100_000),)
    with same_connection():
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def held(client, token, enterprise):
    """Some of everything for the read-back operations to list."""
    post(client, token, "hazards", [hazard_record(enterprise, "H-1", level="major")])
    post(client, token, "checks", [check_record(enterprise, "C-1")])
    post(client, token, "risk-objects", [risk_object(enterprise, "R-1")])
    upload_map(client, token, enterprise, "map.png", png_bytes())


def test_the_document_lists_every_operation():
    assert set(OPERATIONS) >= {
        ("/api/v1/token", "POST"), ("/api/v1/subscription", "GET"), ("/api/v1/enterprises", "GET"),
        *((f"/api/v1/{p}", m) for p in ("hazards", "checks", "risk-objects") for m in ("GET", "POST")),
        *((f"/api/v1/{p}/{{enterprise}}/{{external_id}}", "DELETE") for p in ("hazards", "checks", "risk-objects")),
        ("/api/v1/four-colour-maps", "GET"), ("/api/v1/four-colour-maps", "POST"),
        ("/api/v1/four-colour-maps/{enterprise}", "DELETE"),
    }


def aim(case, uscc):
    """Point a generated case at the subscription's own enterprise, so that valid uploads get past the coverage
    check to the rules and the writer, and withdrawals to the lookup (random codes would all be refused early)."""
    body = case.body
    if isinstance(body, dict):
        records = body.get("records")
        for record in records if isinstance(records, list) else ():
            if isinstance(record, dict) and isinstance(record.get("enterprise"), str):
                record["enterprise"] = uscc
        if isinstance(body.get("enterprise"), str):  # the map upload's form field
            body["enterprise"] = uscc
    if isinstance(case.path_parameters, dict) and "enterprise" in case.path_parameters:
        case.path_parameters["enterprise"] = uscc


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("path,method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_the_api_conforms_to_its_document(schema, token, held, enterprise, path, method, mode):
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {token}"}

    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(case=operation.as_strategy(generation_mode=mode))
    def conforms(case):
        if mode == GenerationMode.POSITIVE:
            aim(case, enterprise.uscc)
        # Each example in a savepoint: what one writes does not leak into the next, and a database error in one
        # (which aborts a PostgreSQL transaction) does not turn every later example into a 500.
        savepoint = transaction.savepoint()
        try:
            with same_connection():
                case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.savepoint_rollback(savepoint)

    conforms()
