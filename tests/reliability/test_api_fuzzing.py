"""API fuzzing: schemathesis reads /api/v1/openapi.json from the live app and throws a fixed
number of generated requests (valid and invalid) at every operation. No answer may be a 5xx and
every answer must be one the document describes (status code, content type, headers, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

EXAMPLES_PER_OPERATION = 50  # per generation mode, per operation
# A schema-valid report may still be refused with a documented 422: rules no JSON Schema can say
# (the article must be on one of the newsroom's hosts; an email's domain must be deliverable
# rather than a reserved name such as `.test`). Every other check of schemathesis runs:
# no 5xx, status code, content type and headers documented, body valid against its schema,
# and schema-invalid data refused with a 4xx.
NOT_CHECKED = [schemathesis.checks.positive_data_acceptance]


@pytest.fixture
def app_config(app_config):
    """No rate limit, so every example reaches the handler (429 is checked in test_abuse)."""
    return {**app_config, "RATELIMIT_ENABLED": False}


@pytest.fixture
def api_schema(live_server):
    """The OpenAPI document as the running app serves it."""
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")


def _fuzz(operation, mode: GenerationMode, base_url: str, seen: dict) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call_and_validate(base_url=base_url, excluded_checks=NOT_CHECKED)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1

    run()


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda mode: mode.value
)
def test_every_operation_answers_as_documented_and_never_with_a_5xx(api_schema, live_server, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /api/v1/corrections"}
    seen: dict[int, int] = {}
    for operation in operations:
        _fuzz(operation, mode, live_server.url, seen)
    print(f"\n{mode.value}: {sum(seen.values())} requests, status codes {sorted(seen.items())}")
    assert all(code < 500 for code in seen)
