"""schemathesis against the served OpenAPI document, with a lead's token and with an auditor's:
no 5xx, and every response as the document says (status, content type, schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import all_scenario_lines
from tests.http.conftest import bearer, write_config
from tests.http.helpers import BATCH
from tests.http.served import served


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("contract")
    config = write_config(folder / "casetrail.toml")
    with served(f"sqlite:///{folder / 'casetrail.db'}", config) as server:
        posted = httpx.post(f"{server.url}/v1/events", content=b"[" + b",".join(all_scenario_lines()) + b"]",
                            headers={**bearer("source"), "content-type": BATCH}, timeout=120)
        assert posted.status_code == 200, posted.text
        signed = httpx.post(f"{server.url}/v1/checkpoints", headers=bearer("admin"), timeout=120)
        assert signed.status_code == 200, signed.text  # so that the latest checkpoint is answered, not only 404
        yield schemathesis.openapi.from_url(f"{server.url}/v1/openapi.json")


# Examples per operation and role: bounded, so the test takes a minute, not an hour.
EXAMPLES = 15
# What http-v1 promises of every answer. Not that every schema-valid request is accepted: the
# document cannot say every limit of the contract (a year 1900 to 2199), and those answer 400.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.mark.parametrize("role", ["lead", "auditor"])
def test_every_answer_is_documented_and_none_is_a_server_error(api_schema: Any, role: str) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 19
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(headers=bearer(role), checks=CHECKS)

        answers_as_documented()


def test_the_document_is_openapi_3_1_and_names_the_roles(tmp_path: Path) -> None:
    from casetrail.adapters.http.app import create_app
    from casetrail.adapters.http.auth import ROUTE_ROLES, ApiSettings
    from casetrail.adapters.settings import Settings

    document = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), ApiSettings()).openapi()
    assert document["openapi"].startswith("3.1")
    for (method, path), roles in ROUTE_ROLES.items():
        operation = document["paths"][path][method.lower()]
        assert operation["x-roles"] == sorted(roles) and operation["security"] == [{"bearer": []}]
        assert {"401", "403"} <= set(operation["responses"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    examples = document["paths"]["/v1/events"]["post"]["requestBody"]["content"]
    assert examples["application/cloudevents+json"]["example"]["id"] == "inv-0621"
