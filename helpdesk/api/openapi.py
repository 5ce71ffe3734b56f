"""GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, built from the routes themselves.

Paths, methods and path parameters come from app.url_map (every rule of the `api` blueprint), so
the document cannot list a route that does not exist nor miss one that does; what a route cannot
tell about itself (summary, query parameters, bodies, responses) comes from openapi_spec.py. A
route without a description still appears, marked `x-undocumented`, and fails the tests.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from collections import Counter
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.routing import Rule

from helpdesk.api import bp
from helpdesk.api import openapi_spec as spec

OPENAPI_VERSION = "3.1.0"
DOCUMENT_ENDPOINT = f"{bp.name}.openapi_document"
DOCUMENT_PATH = "/openapi.json"
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})  # answered by Flask itself for every rule
# <converter(args):name> or <name> in a werkzeug rule.
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS = {
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
}
DESCRIPTION = """The helpdesk's REST API (contract: API.md). JSON in and out, UTF-8; times are ISO 8601 in UTC.

- Auth: `Authorization: Bearer <token>` from `POST /auth/token`; a token acts with its owner's role
  (a token an admin made with a role scope, at most with that role).
  The telephony webhook has its own secret (`X-CTI-Token`, or in the path for PBX bridges).
- Errors, always `{"error": {"code", "message", "details"}}`: 400 (details.fields names each bad
  field with a stable code such as `required` or `too_long`, details.limits the figures some codes
  refer to, e.g. `{"subject": {"max_length": 300}}`), 401, 403, 404, 409 (stale `version` or duplicate), 413, 415, 429 (with `Retry-After`).
- Lists: `{"items": [...], "next_cursor": "..." | null}` with `?limit=` (default 50, max 200) and `?cursor=`.
- Where a request names a team, it accepts the team's id or its unique name.
- Objects may gain fields: ignore the ones you do not know.
"""


def api_rules(app: Flask) -> list[Rule]:
    """The rules of the api blueprint, in path order."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{bp.name}.")]
    return sorted(rules, key=lambda rule: rule.rule)


def route_methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - IGNORED_METHODS)


def api_prefix(app: Flask) -> str:
    """Where the blueprint is mounted (/api/v1), read from this document's own rule."""
    for rule in app.url_map.iter_rules(DOCUMENT_ENDPOINT):
        return rule.rule[: -len(DOCUMENT_PATH)]
    raise LookupError(f"{DOCUMENT_ENDPOINT} is not registered")


def openapi_path(rule_path: str) -> str:
    """/tickets/<int:ticket_id> -> /tickets/{ticket_id}"""
    return _ARGUMENT.sub(lambda match: "{" + match.group("name") + "}", rule_path)


def path_parameters(endpoint: str, rule_path: str) -> list[dict[str, Any]]:
    parameters = []
    for match in _ARGUMENT.finditer(rule_path):
        name = match.group("name")
        schema = _CONVERTER_SCHEMAS.get(match.group("converter") or "default", {"type": "string"})
        parameter = {"name": name, "in": "path", "required": True, "schema": dict(schema)}
        description = spec.PATH_DESCRIPTIONS.get(f"{endpoint}.{name}") or spec.PATH_DESCRIPTIONS.get(name)
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _undocumented() -> dict[str, Any]:
    return {"summary": "(not documented yet)", "x-undocumented": True, "security": spec.AUTH["bearer"],
            "responses": {"default": {"description": "Not documented yet."}}}


def build_document(app: Flask) -> dict[str, Any]:
    """The whole document: one operation per (rule, method) of the api blueprint."""
    prefix = api_prefix(app)
    rules = api_rules(app)
    operations_per_view = Counter(rule.endpoint for rule in rules for _ in route_methods(rule))
    paths: dict[str, dict[str, Any]] = {}
    for rule in rules:
        endpoint = rule.endpoint.split(".", 1)[1]
        rule_path = rule.rule[len(prefix):]
        for method in route_methods(rule):
            described = spec.OPERATIONS.get(endpoint, {}).get(method.lower())
            operation = copy.deepcopy(described) if described is not None else _undocumented()
            # One view serving PUT and PATCH gets one id per method.
            several = operations_per_view[rule.endpoint] > 1
            operation["operationId"] = f"{endpoint}_{method.lower()}" if several else endpoint
            in_path = path_parameters(endpoint, rule.rule)
            parameters = in_path + operation.pop("parameters", [])
            if parameters:
                operation["parameters"] = parameters
            if any(p["schema"]["type"] == "integer" for p in in_path):  # an id that matches nothing
                operation["responses"].setdefault("404", {"$ref": "#/components/responses/NotFound"})
            operation["responses"] = dict(sorted(operation["responses"].items()))
            paths.setdefault(openapi_path(rule_path), {})[method.lower()] = _ordered(operation)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Helpdesk API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": prefix, "description": "This server"}],
        "security": spec.AUTH["bearer"],
        "tags": copy.deepcopy(spec.TAGS),
        "paths": paths,
        "components": copy.deepcopy({
            "schemas": spec.SCHEMAS,
            "parameters": spec.PARAMETERS,
            "responses": spec.RESPONSES,
            "securitySchemes": spec.SECURITY_SCHEMES,
        }),
    }


_ORDER = ("operationId", "summary", "description", "tags", "security", "parameters", "requestBody", "responses")


def _ordered(operation: dict[str, Any]) -> dict[str, Any]:
    """The keys in reading order (the document is read by people too)."""
    return {key: operation[key] for key in sorted(operation, key=lambda k: _ORDER.index(k) if k in _ORDER else 99)}


def _serialised(app: Flask) -> tuple[bytes, str]:
    """The document's bytes and ETag, built once per app: the routes do not change after start-up."""
    cached = app.extensions.get("openapi_document")
    if cached is None:
        data = json.dumps(build_document(app), ensure_ascii=False, separators=(",", ":")).encode()
        cached = app.extensions["openapi_document"] = (data, hashlib.sha256(data).hexdigest()[:32])
    return cached


@bp.get(DOCUMENT_PATH)
def openapi_document():
    """No login: the document describes the API, it reveals no data."""
    data, etag = _serialised(current_app._get_current_object())
    response = Response(data, mimetype="application/json")
    response.set_etag(etag)
    # Cached, but revalidated each time (a deploy can change it): a 304 costs nothing.
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)
