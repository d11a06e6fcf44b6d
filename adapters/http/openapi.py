"""The OpenAPI 3.1 document at /v1/openapi.json: FastAPI's, made to say what the server does.

FastAPI documents a 422 with its own validation error on every route with
parameters; this server answers a bad parameter with a 400 problem document
instead. Each /v1/ route also says it needs a bearer token, and which roles
(``auth.ROUTE_ROLES``) may call it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from casetrail.adapters.http.auth import ROUTE_ROLES
from casetrail.adapters.http.problems import MEDIA_TYPE

_FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = document.setdefault("components", {})
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer",
                                                "description": "a token of the configuration's [[api.tokens]]"}}
    for name in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(name, None)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if _FASTAPI_VALIDATION in str(responses.get("422", "")):
                del responses["422"]
            for response in responses.values():
                content = response.get("content", {})
                if MEDIA_TYPE in content:
                    content.pop("application/json", None)
            roles = ROUTE_ROLES.get((method.upper(), path))
            if roles is not None:
                operation["security"] = [{"bearer": []}]
                operation["x-roles"] = sorted(roles)
                said = operation.get("description", "")
                operation["description"] = f"{said}\n\nRoles: {', '.join(sorted(roles))}.".strip()
    app.openapi_schema = document
    return document
