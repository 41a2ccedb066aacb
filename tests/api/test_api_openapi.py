"""The OpenAPI document tells the truth (issue 13, item 11): real statuses with bodies, the
streaming routes' two media types, a bearer scheme, an example on every model."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from api.config import Settings
from api.main import create_app

STREAMING = ["/start-interview/{session_id}", "/chat/{session_id}"]


def _doc(**settings: Any) -> dict[str, Any]:
    document: dict[str, Any] = create_app(Settings(_env_file=None, **settings)).openapi()  # type: ignore[call-arg]
    return document


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return _doc(admin_token="t")


def _statuses(doc: dict[str, Any], method: str, path: str) -> set[str]:
    return set(doc["paths"][path][method]["responses"])


@pytest.mark.parametrize("path", STREAMING)
def test_streaming_routes_offer_only_plain_text_and_sse(doc: dict[str, Any], path: str) -> None:
    content = doc["paths"][path]["post"]["responses"]["200"]["content"]
    assert set(content) == {"text/plain", "text/event-stream"}


def test_every_status_the_issue_names_is_documented_where_it_happens(doc: dict[str, Any]) -> None:
    chat = _statuses(doc, "post", "/chat/{session_id}")
    assert {"200", "400", "401", "403", "404", "409", "413", "422", "429", "503"} <= chat
    assert {"401", "413", "422"} <= _statuses(doc, "post", "/create-session")
    assert {"401", "403", "404", "409"} <= _statuses(doc, "delete", "/session/{session_id}")
    assert {"400", "429", "503"} <= _statuses(doc, "post", "/end-interview/{session_id}")
    assert "422" not in _statuses(doc, "get", "/interview-status/{session_id}")


def test_every_error_status_has_a_body_schema(doc: dict[str, Any]) -> None:
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code == "200":
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert "$ref" in schema or "anyOf" in schema, (method, path, code)


def test_503_documents_retry_after_and_the_error_code(doc: dict[str, Any]) -> None:
    headers = doc["paths"]["/chat/{session_id}"]["post"]["responses"]["503"]["headers"]
    assert {"Retry-After", "X-Error-Code"} <= set(headers)


def test_a_bearer_scheme_is_declared_and_required_when_auth_is_on(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
    assert doc["paths"]["/sessions"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in doc["paths"]["/healthz"]["get"]


def test_in_open_mode_no_credentials_are_asked_for_and_401_is_not_promised() -> None:
    open_doc = _doc()
    assert "security" not in open_doc["paths"]["/sessions"]["get"]
    assert "401" not in _statuses(open_doc, "get", "/sessions")


def test_every_model_has_an_example_that_its_schema_accepts(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("examples"), f"{name} has no example"
        for example in schema["examples"]:
            root = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
            jsonschema.validate(example, root)


def test_the_settings_example_is_the_seeds(doc: dict[str, Any]) -> None:
    example = doc["components"]["schemas"]["InterviewSettings"]["examples"][0]
    assert example["temperature"] == 0.7 and example["top_p"] == 0.9
    assert example["technical_questions"] == 5 and example["behavioral_questions"] == 3
