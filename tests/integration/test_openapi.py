"""The OpenAPI document as an integrator uses it: downloaded without a token, cached by its ETag,
valid OpenAPI, listing exactly the API's routes, and describing what the API really answers."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from helpdesk.api import openapi_spec
from helpdesk.api.openapi import api_prefix, api_rules, build_document, openapi_path, route_methods

URL = "/api/v1/openapi.json"


@pytest.fixture()
def document(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.get_json()


def routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every rule of the api blueprint."""
    prefix = api_prefix(app)
    return {(openapi_path(rule.rule[len(prefix):]), method.lower()) for rule in api_rules(app)
            for method in route_methods(rule)}


def strict(schema):
    """The documented shapes, closed: a field the API sends but the document does not name fails.
    (The served document leaves objects open, since the contract lets objects gain fields.)"""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: strict(value) for key, value in schema.items()}
    if "properties" in closed and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


def assert_documented(document, path: str, method: str, response) -> None:
    """`response` has a documented status and its JSON body matches the documented schema."""
    responses = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method.upper()} {path} answered {status}, documented: {sorted(responses)}"
    described = responses[status]
    if "$ref" in described:
        described = document["components"]["responses"][described["$ref"].rsplit("/", 1)[1]]
    schema = described["content"][response.mimetype]["schema"]
    # "#/components/..." refs resolve against the validated schema's root, so the components go beside it.
    root = {**strict(schema), "components": strict(document["components"])}
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.absolute_path))
    assert not problems, "\n".join(f"{list(p.absolute_path)}: {p.message}" for p in problems)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- the document itself ----------------------------------------------------------------------------


def test_anyone_downloads_the_document_without_a_token(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json()["openapi"].startswith("3.1")
    assert response.headers["ETag"] and "public" in response.headers["Cache-Control"]


def test_a_client_revalidates_its_copy_with_the_etag(client):
    first = client.get(URL)
    again = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(URL, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_the_document_is_valid_openapi(document):
    validate_openapi(document)


def test_every_route_of_the_api_is_in_the_document_and_nothing_else(app, document):
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert documented == routes(app)
    undescribed = sorted(f"{method.upper()} {path}" for path, operations in document["paths"].items()
                         for method, operation in operations.items() if operation.get("x-undocumented"))
    assert not undescribed, "describe these in helpdesk/api/openapi_spec.py OPERATIONS: " + ", ".join(undescribed)


def test_a_new_route_without_description_shows_as_undocumented(app):
    app.add_url_rule("/api/v1/widgets/<int:widget_id>", endpoint="api.get_widget", view_func=lambda widget_id: {})
    operation = build_document(app)["paths"]["/widgets/{widget_id}"]["get"]
    assert operation["x-undocumented"] is True
    assert operation["parameters"][0]["name"] == "widget_id"


def test_every_description_is_of_a_route_that_exists(app):
    served = {(rule.endpoint.split(".", 1)[1], method.lower()) for rule in api_rules(app)
              for method in route_methods(rule)}
    described = {(view, method) for view, methods in openapi_spec.OPERATIONS.items() for method in methods}
    assert described - served == set(), "descriptions of routes that are gone (or of a method they do not serve)"


def test_path_parameters_are_named_and_typed_as_the_routes_take_them(document):
    ticket = document["paths"]["/tickets/{ticket_id}"]["get"]
    assert ticket["parameters"][0] == {"name": "ticket_id", "in": "path", "required": True,
                                       "schema": {"type": "integer", "minimum": 0},
                                       "description": "A ticket's id."}
    cancel = document["paths"]["/tickets/{ticket_id}/promises/{promise_id}/cancel"]["post"]
    assert [p["name"] for p in cancel["parameters"] if p["in"] == "path"] == ["ticket_id", "promise_id"]
    assert document["servers"] == [{"url": "/api/v1", "description": "This server"}]


def test_security_bearer_by_default_cti_with_its_own_secret_some_public(document):
    schemes = document["components"]["securitySchemes"]
    assert (schemes["bearerAuth"]["type"], schemes["bearerAuth"]["scheme"]) == ("http", "bearer")
    assert (schemes["ctiToken"]["type"], schemes["ctiToken"]["in"], schemes["ctiToken"]["name"]) == (
        "apiKey", "header", "X-CTI-Token")
    paths = document["paths"]
    assert document["security"] == paths["/tickets"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/cti/events"]["post"]["security"] == [{"ctiToken": []}]
    for path, method in (("/auth/token", "post"), ("/openapi.json", "get"), ("/surveys/{token}", "get"),
                         ("/cti/{token}", "post")):
        assert paths[path][method]["security"] == [], (path, method)


def test_errors_are_documented_with_the_one_error_shape(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    create = document["paths"]["/tickets"]["post"]["responses"]
    assert {"201", "400", "401", "403", "413", "415"} <= set(create)
    assert create["400"] == {"$ref": "#/components/responses/BadRequest"}
    assert "Retry-After" in document["components"]["responses"]["TooManyRequests"]["headers"]
    assert set(document["paths"]["/reports/sla"]["get"]["responses"]["200"]["content"]) == {"application/json",
                                                                                             "text/csv"}


# --- real answers match the document ----------------------------------------------------------------


@pytest.fixture()
def desk(app, factory, auth):
    """A team on a business calendar with an SLA policy, an agent, a lead and a customer with a product."""
    from helpdesk.extensions import db
    from helpdesk.models import BusinessCalendar, CustomerProduct, Product, SLAPolicy, Team, User

    with app.app_context():
        hours = {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        calendar = BusinessCalendar(name="Paris", timezone="Europe/Paris", hours=hours, holidays_country="FR")
        team = Team(name="Support", calendar=calendar)
        policy = SLAPolicy(name="Standard", rank=100, calendar=calendar, conditions={},
                           first_response_minutes=60, next_response_minutes=120, resolution_minutes=960)
        box = Product(sku="BOX-1", name="Box fibre", family="box", warranty_months=24)
        db.session.add_all([calendar, team, policy, box])
        db.session.commit()
        team_id, box_id = team.id, box.id
    factory.user("agent", email="agent@example.com", name="Agnès Agent", team_ids=[team_id])
    factory.user("lead", email="lead@example.com", name="Lina Lead")
    customer_user = factory.user("customer", email="alice@example.com", name="Alice Martin")
    with app.app_context():
        customer_id = db.session.get(User, customer_user).customer_id
        owned = CustomerProduct(customer_id=customer_id, product_id=box_id, serial="SN-1")
        db.session.add(owned)
        db.session.commit()
        owned_id = owned.id
    return {"customer_id": customer_id, "owned_id": owned_id, "agent_h": bearer(auth.token("agent@example.com")),
            "lead_h": bearer(auth.token("lead@example.com")), "alice_h": bearer(auth.token("alice@example.com"))}


@pytest.fixture()
def written(client, desk):
    """A ticket with a reply, an internal note, an attachment and a promise: {(path, method): the answers}."""
    answers = {}
    created = client.post("/api/v1/tickets", headers=desk["agent_h"], json={
        "subject": "Box coupée", "body": "Plus de connexion.", "customer_id": desk["customer_id"], "team": "Support",
        "priority": "high", "tags": ["box"], "product_id": desk["owned_id"]})
    assert created.status_code == 201, created.get_json()
    answers["/tickets", "post"] = [created]
    tid = created.get_json()["id"]
    answers["/tickets/{ticket_id}/messages", "post"] = [
        client.post(f"/api/v1/tickets/{tid}/messages", json=message, headers=desk["agent_h"])
        for message in ({"body": "On regarde."}, {"body": "Voir le NRO.", "internal": True})]
    answers["/tickets/{ticket_id}/attachments", "post"] = [client.post(
        f"/api/v1/tickets/{tid}/attachments", headers=desk["agent_h"],
        data={"file": (io.BytesIO(b"ping 192.0.2.1: timeout\n"), "ping.txt")})]
    due = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    answers["/tickets/{ticket_id}/promises", "post"] = [client.post(
        f"/api/v1/tickets/{tid}/promises", json={"what": "Rappeler demain", "due_at": due}, headers=desk["agent_h"])]
    for (path, _), responses in answers.items():
        assert all(r.status_code == 201 for r in responses), (path, [r.get_json() for r in responses])
    return {"id": tid, "answers": answers}


@pytest.fixture()
def ticket_id(written):
    return written["id"]


def test_what_staff_write_is_answered_as_documented(document, written):
    for (path, method), responses in written["answers"].items():
        for response in responses:
            assert_documented(document, path, method, response)


def test_a_ticket_reads_as_documented_by_staff_and_by_its_customer(client, document, desk, ticket_id):
    for who in ("agent_h", "alice_h"):
        response = client.get(f"/api/v1/tickets/{ticket_id}", headers=desk[who])
        assert response.status_code == 200
        assert_documented(document, "/tickets/{ticket_id}", "get", response)
    staff = client.get(f"/api/v1/tickets/{ticket_id}", headers=desk["agent_h"]).get_json()
    customer = client.get(f"/api/v1/tickets/{ticket_id}", headers=desk["alice_h"]).get_json()
    assert staff["sla"]["first_response"] is not None and staff["promises"][0]["owner_id"]
    assert len(customer["messages"]) == len(staff["messages"]) - 1  # no internal note
    assert set(customer["promises"][0]) == {"what", "due_at", "state"}


def test_a_created_ticket_and_the_ticket_list_read_as_documented(client, document, desk):
    created = client.post("/api/v1/tickets", json={"subject": "Facture", "body": "Montant faux"},
                          headers=desk["alice_h"])
    assert_documented(document, "/tickets", "post", created)
    assert_documented(document, "/tickets", "get", client.get("/api/v1/tickets?limit=1", headers=desk["agent_h"]))


def test_bad_input_is_answered_with_the_documented_error(client, document, desk):
    invalid = client.post("/api/v1/tickets", json={"subject": "", "priority": "asap"}, headers=desk["agent_h"])
    assert invalid.status_code == 400
    assert_documented(document, "/tickets", "post", invalid)
    assert set(invalid.get_json()["error"]["details"]["fields"]) >= {"subject", "body", "priority"}
    not_json = client.post("/api/v1/tickets", data="subject=x", content_type="text/plain", headers=desk["agent_h"])
    assert not_json.status_code == 415
    assert_documented(document, "/tickets", "post", not_json)
    anonymous = client.post("/api/v1/tickets", json={"subject": "x", "body": "y"})
    assert anonymous.status_code == 401
    assert_documented(document, "/tickets", "post", anonymous)


def test_a_stale_update_is_the_documented_conflict(client, document, desk, ticket_id):
    stale = client.patch(f"/api/v1/tickets/{ticket_id}", json={"version": 1, "priority": "low"},
                         headers=desk["agent_h"])
    assert stale.status_code == 409
    assert_documented(document, "/tickets/{ticket_id}", "patch", stale)


def test_the_customer_card_reads_as_documented(client, document, desk, ticket_id):
    response = client.get(f"/api/v1/customers/{desk['customer_id']}", headers=desk["agent_h"])
    assert response.status_code == 200
    assert_documented(document, "/customers/{customer_id}", "get", response)
    assert response.get_json()["products"] and response.get_json()["open_tickets"]
    listed = client.get("/api/v1/customers?q=Alice", headers=desk["agent_h"])
    assert_documented(document, "/customers", "get", listed)


def test_the_sla_report_reads_as_documented(client, document, desk, ticket_id):
    response = client.get("/api/v1/reports/sla", headers=desk["lead_h"])
    assert response.status_code == 200
    assert response.get_json()["by_priority"], "the ticket's clocks are in the report"
    assert_documented(document, "/reports/sla", "get", response)
    refused = client.get("/api/v1/reports/sla?range=forever", headers=desk["lead_h"])
    assert refused.status_code == 400
    assert_documented(document, "/reports/sla", "get", refused)


def test_other_reports_and_me_read_as_documented(client, document, desk, ticket_id):
    for path in ("/reports/volume", "/reports/agents", "/reports/satisfaction", "/reports/missing-articles"):
        response = client.get(f"/api/v1{path}", headers=desk["lead_h"])
        assert response.status_code == 200, (path, response.get_json())
        assert_documented(document, path, "get", response)
    assert_documented(document, "/me", "get", client.get("/api/v1/me", headers=desk["agent_h"]))


def test_the_telephony_webhook_answers_as_documented(client, document, desk):
    event = {"event": "newCall", "call_id": "c-1", "from": "+33 1 23 45 67 89", "direction": "in"}
    without = client.post("/api/v1/cti/events", json=event, headers={"Authorization": desk["agent_h"]["Authorization"]})
    assert without.status_code == 401, "a user token is not the CTI secret"
    assert_documented(document, "/cti/events", "post", without)
    answered = client.post("/api/v1/cti/events", json=event, headers={"X-CTI-Token": "test-cti-token"})
    assert answered.status_code == 200, answered.get_json()
    assert_documented(document, "/cti/events", "post", answered)
    bridge = client.post("/api/v1/cti/test-cti-token", data={"event": "hangup", "callId": "c-1", "cause": "normal"})
    assert_documented(document, "/cti/{token}", "post", bridge)


def test_the_document_names_the_contracts_fields(document):
    """API.md's names are the contract: the documented shapes carry them."""
    schemas = document["components"]["schemas"]
    ticket = set(schemas["Ticket"]["properties"])
    assert {"id", "number", "subject", "status", "priority", "type", "channel", "team", "assignee_id", "customer_id",
            "product_id", "tags", "created_at", "updated_at", "version", "messages", "sla", "promises",
            "survey"} <= ticket
    assert {"due_at", "state", "remaining_seconds"} <= set(schemas["SlaClock"]["properties"])
    assert {"call_id", "customer_ids"} <= set(schemas["CtiEventResult"]["properties"])
    assert {"customer", "organization", "products", "open_tickets", "recent_tickets", "timeline", "scores",
            "stats"} <= set(schemas["CustomerCard"]["properties"])
    assert schemas["Promise"]["properties"]["state"]["enum"] == ["pending", "kept", "broken", "cancelled"]
