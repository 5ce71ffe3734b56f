"""What each API endpoint takes and returns, for the OpenAPI document (helpdesk/api/openapi.py).

Plain dicts of OpenAPI 3.1 (JSON Schema 2020-12), on purpose: no library between the document and
what an integrator reads. Paths, methods and path parameters are NOT written here: the document
takes them from the url_map, so only what a route cannot tell about itself lives here.
OPERATIONS is keyed by view function name, then method; a route without an entry (or an entry
without a route) fails tests/integration/test_openapi.py. The shapes mirror the serialisers
(helpdesk/api/serializers.py and the *_json functions beside each view): change one, change both.
"""
from __future__ import annotations

from typing import Any

from helpdesk.customers.listing import SORTS as CUSTOMER_SORTS
from helpdesk.models.calls import CALL_STATES
from helpdesk.models.customers import CHANNELS, LIFECYCLE_STAGES, SEGMENTS, TACTICAL_SEGMENTS
from helpdesk.models.promises import PROMISE_STATES
from helpdesk.models.sla import SLA_METRICS, SLA_STATES
from helpdesk.models.surveys import FOLLOW_UP_OUTCOMES, FOLLOW_UP_STATES
from helpdesk.models.tickets import PRIORITIES, STATUSES, TYPES
from helpdesk.models.users import ROLES
from helpdesk.reports.filters import RANGES
from helpdesk.tickets.queries import VIEWS
from knowledge_base.misses import SOURCES as SEARCH_SOURCES

Schema = dict[str, Any]

# --- schema builders ------------------------------------------------------------------------------


def _scalar(kind: str, null: bool, description: str | None, **keywords) -> Schema:
    schema: Schema = {"type": [kind, "null"] if null else kind}
    if "enum" in keywords and keywords["enum"] is not None:
        keywords["enum"] = list(keywords["enum"]) + ([None] if null else [])
    schema.update({k: v for k, v in keywords.items() if v is not None})
    if description:
        schema["description"] = description
    return schema


def string(description: str | None = None, *, null: bool = False, format: str | None = None,
           enum=None, **keywords) -> Schema:
    return _scalar("string", null, description, format=format, enum=enum, **keywords)


def integer(description: str | None = None, *, null: bool = False, **keywords) -> Schema:
    return _scalar("integer", null, description, **keywords)


def number(description: str | None = None, *, null: bool = False, **keywords) -> Schema:
    return _scalar("number", null, description, **keywords)


def boolean(description: str | None = None, *, null: bool = False, **keywords) -> Schema:
    return _scalar("boolean", null, description, **keywords)


def moment(description: str | None = None, *, null: bool = False) -> Schema:
    return string(description, null=null, format="date-time")


def day(description: str | None = None, *, null: bool = False) -> Schema:
    return string(description, null=null, format="date")


def array(items: Schema, description: str | None = None, *, null: bool = False) -> Schema:
    schema = _scalar("array", null, description)
    schema["items"] = items
    return schema


def ref(name: str, *, null: bool = False, description: str | None = None) -> Schema:
    target = {"$ref": f"#/components/schemas/{name}"}
    schema = {"oneOf": [target, {"type": "null"}]} if null else target
    if description:
        schema["description"] = description
    return schema


def obj(properties: dict[str, Schema], description: str | None = None, *, optional=(), null: bool = False,
        values: Schema | None = None) -> Schema:
    """An object whose every property is always present (the serialisers never drop a key) except `optional`."""
    schema = _scalar("object", null, description)
    if properties:
        schema["properties"] = properties
        required = [name for name in properties if name not in optional]
        if required:
            schema["required"] = required
    if values is not None:
        schema["additionalProperties"] = values
    return schema


def mapping(values: Schema, description: str | None = None, *, null: bool = False) -> Schema:
    """An object used as a map (keys are data: channels, priorities, metrics...)."""
    return obj({}, description, values=values, null=null)


def body(properties: dict[str, Schema], description: str | None = None, *, required=()) -> Schema:
    """A request body: only `required` must be sent."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


ID = integer(minimum=1)
TEAM_REF = {"oneOf": [integer(minimum=1), string()], "description": "A team's id or its unique name."}

# --- reusable shapes ------------------------------------------------------------------------------

SCHEMAS: dict[str, Schema] = {}

SCHEMAS["Error"] = obj({
    "error": obj({
        "code": string("snake_case, stable: what went wrong (validation_error, malformed_json, invalid_token, "
                       "forbidden, not_found, conflict, duplicate, rate_limited, ...)", pattern="^[a-z][a-z0-9_]*$"),
        "message": string("A human sentence."),
        "details": obj({
            "fields": mapping(string(), "For 400 (and some 409): each bad field and a stable snake_case code "
                                        "for what is wrong with it (required, too_long, not_a_choice, "
                                        "unknown_team, bad_date, ...; never a sentence); nested fields are "
                                        "dotted (targets.resolution_minutes)."),
            "limits": mapping(mapping({}), "For some fields: the figures their code refers to "
                                           "(too_long: max_length; out_of_range: min, max; not_a_choice: "
                                           "choices; too_many_tags: max_tags, max_length, ...)."),
        }, "More about the error (e.g. current_version on a stale PATCH); may be empty.", optional=("fields", "limits"),
            values={}),
    }),
}, "Every error of the API, whatever the status.")

def page_of(item: Schema, description: str | None = None) -> Schema:
    return obj({"items": array(item), "next_cursor": string("Pass as ?cursor= for the next page; null on the last.",
                                                             null=True)}, description)


# Auth and users
SCHEMAS["TokenRequest"] = body({
    "email": string(format="email", maxLength=254), "password": string(minLength=1),
    "name": string("A label for the token (default: api).", maxLength=120),
}, required=("email", "password"))
SCHEMAS["Token"] = obj({
    "token": string("Send as 'Authorization: Bearer <token>'."), "expires_at": moment(),
    "user": obj({"id": ID, "role": string(enum=ROLES)}),
})
SCHEMAS["ApiToken"] = obj({
    "id": ID, "name": string(null=True), "prefix": string("The token's first characters, to tell tokens apart."),
    "owner_id": ID, "scope": string("The role the token acts with at most.", enum=("agent", "lead", "admin")),
    "created_at": moment(), "expires_at": moment(null=True), "last_used_at": moment(null=True),
    "revoked_at": moment(null=True),
})
SCHEMAS["ApiTokenCreate"] = body({
    "name": string(maxLength=120), "owner_id": ID,
    "scope": string("At most the owner's role.", enum=("agent", "lead", "admin")),
    "expires_on": string("The last day the token works (in the desk's time zone), at most two years on.",
                         format="date"),
}, "Bad fields come back as codes in details.fields (required, too_long, unknown_user, not_a_choice, "
   "above_owner_role, bad_date, not_in_future, out_of_range).", required=("name", "owner_id", "scope", "expires_on"))
SCHEMAS["User"] = obj({
    "id": ID, "email": string(format="email"), "name": string(), "role": string(enum=ROLES),
    "locale": string(enum=("fr", "en")), "active": boolean(), "team_ids": array(ID),
    "customer_id": integer("The Customer a customer account is linked to.", null=True),
    "created_at": moment(),
})
SCHEMAS["UserCreate"] = body({
    "email": string(format="email"), "name": string(), "role": string(enum=ROLES),
    "password": string("Optional: without one the user sets it through the e-mailed link."),
    "team_ids": array(ID), "locale": string(enum=("fr", "en"), default="fr"),
}, "A user created with the role customer is linked to the Customer with the same e-mail (created if none).",
    required=("email", "role"))

# Customers
SCHEMAS["Customer"] = obj({
    "id": ID, "name": string(), "email": string(format="email", null=True),
    "phones": array(string(), "E.164 numbers."), "emails": array(string(format="email"), "Other known addresses."),
    "organization": string("The organization's name.", null=True), "organization_id": integer(null=True),
    "language": string(enum=("fr", "en")), "preferred_channel": string(enum=CHANNELS, null=True),
    "segment": string("Commercial segment.", enum=SEGMENTS), "lifecycle_stage": string(enum=LIFECYCLE_STAGES),
    "created_at": moment(),
    "notes": string("Internal notes: only in the staff's customer card.", null=True),
}, optional=("notes",))
_customer_fields = {
    "name": string(maxLength=200), "email": string(format="email", null=True),
    "phone": string("One number, any format: normalised to E.164 (DEFAULT_PHONE_REGION for national ones)."),
    "phones": array(string(), "Numbers in any format; on an update they replace the customer's numbers."),
    "organization": string("An organization's name (created if new).", null=True),
    "language": string(enum=("fr", "en"), default="fr"), "preferred_channel": string(enum=CHANNELS, null=True),
    "segment": string(enum=SEGMENTS, default="standard"), "lifecycle_stage": string(enum=LIFECYCLE_STAGES),
    "notes": string(null=True, maxLength=4000),
    "consent_email": boolean(), "consent_sms": boolean(), "consent_surveys": boolean(),
}
SCHEMAS["CustomerCreate"] = body(_customer_fields, "Unknown fields are refused (400).", required=("name",))
SCHEMAS["CustomerUpdate"] = body(_customer_fields, "A partial update: only the fields sent change.")
SCHEMAS["CustomerRow"] = obj({
    **SCHEMAS["Customer"]["properties"],
    "open_tickets": integer(minimum=0), "last_contact_at": moment(null=True),
    "customer_score": integer("Staff only.", null=True), "tactical_segment": string("Staff only.", null=True,
                                                                                    enum=TACTICAL_SEGMENTS),
}, "A customer in a list.", optional=("notes", "customer_score", "tactical_segment"))
SCHEMAS["OwnedProduct"] = obj({
    "id": ID, "product_id": ID, "sku": string(), "name": string(), "family": string(null=True),
    "serial": string(null=True), "purchased_at": day(null=True), "warranty_until": day(null=True),
    "contract_until": day(null=True), "plan": string(null=True), "status": string(),
    "expired": boolean("Warranty over (in a customer card; null elsewhere).", null=True),
}, "A product a customer owns.")
SCHEMAS["OwnedProductCreate"] = body({
    "sku": string("A catalogue product's SKU."), "serial": string(maxLength=100),
    "purchased_at": day(), "warranty_until": day("Default: purchased_at plus the product's warranty months."),
    "contract_until": day(), "plan": string(maxLength=100),
}, required=("sku",))
SCHEMAS["Order"] = obj({
    "id": ID, "customer_id": ID, "amount": string("Decimal, two places.", pattern=r"^\d+\.\d{2}$"),
    "currency": string(pattern="^[A-Z]{3}$"), "ordered_at": moment(), "reference": string(null=True),
})
_product_fields = {
    "sku": string("Unique, stored upper-case.", maxLength=64), "name": string(maxLength=200),
    "family": string(maxLength=100, null=True), "warranty_months": integer(minimum=0, maximum=240, default=24),
    "active": boolean(default=True),
}
SCHEMAS["Product"] = obj({"id": ID, **_product_fields}, "A catalogue product.")
SCHEMAS["ProductCreate"] = body(_product_fields, "Bad fields come back as codes in details.fields (required, "
                                "too_long, not_a_number, out_of_range, not_true_or_false, unknown_field).",
                                required=("sku", "name"))
SCHEMAS["ProductImportReport"] = obj({
    "created": integer(minimum=0), "updated": integer(minimum=0), "unchanged": integer(minimum=0),
    "rejected": array(obj({"line": integer(minimum=2), "fields": obj({}, "column -> code",
                                                                     values=string())})),
})
SCHEMAS["AuditEvent"] = obj({
    "id": ID, "occurred_at": moment(), "actor": obj({"id": integer(null=True), "name": string()}),
    "action": string("created, updated, deactivated, reactivated, invited, imported, revoked, rotated, ..."),
    "object": obj({"type": string(), "id": integer(null=True), "label": string(null=True)}),
    "changes": obj({}, "field -> {before, after}; secrets only as \"(secret)\".",
                   values=obj({"before": {}, "after": {}})),
})
SCHEMAS["OrderCreate"] = body({
    "amount": {"oneOf": [number(minimum=0), string()], "description": "0 to 1e9; \"129.90\", 129.9 or \"129,90\"."},
    "currency": string(default="EUR", pattern="^[A-Za-z]{3}$"),
    "ordered_at": string("A date (midnight UTC) or a date-time with its offset."),
    "reference": string("The same reference twice is one order (409 duplicate).", maxLength=64),
}, required=("amount", "ordered_at"))
SCHEMAS["TimelineItem"] = obj({
    "kind": string("ticket, reply_in, reply_out, call, email_in, email_out, portal_visit, survey, ..."),
    "at": moment(), "id": ID, "ticket_id": integer(null=True), "ticket_number": integer(null=True),
    "channel": string(null=True), "summary": string(),
})
SCHEMAS["Scores"] = obj({
    "csat": number(null=True), "nps": string("NPS class.", enum=("promoter", "passive", "detractor"), null=True),
    "nps_score": integer(null=True), "effort": number(null=True),
    "rfm": obj({
        "r": integer(null=True), "f": integer(null=True), "m": integer(null=True),
        "score": integer("r, f, m as one number (e.g. 545).", null=True), "code": string("e.g. 5-4-5", null=True),
        "recency_days": integer(null=True), "orders": integer(null=True), "amount": string(null=True),
    }),
    "customer_score": integer(null=True, minimum=0, maximum=100),
    "segment": string("Tactical segment.", enum=TACTICAL_SEGMENTS, null=True),
    "explanation": obj({"score": integer(), "parts": array(obj({
        "part": string(), "points": integer(), "text": obj({"fr": string(), "en": string()})}))},
        "How the customer score was reached.", null=True),
    "updated_at": moment(null=True), "enough_data": boolean(),
}, "Satisfaction and value scores (staff only).")
_follow_up_line = {
    "id": ID, "ticket_id": integer(null=True), "ticket_number": integer(null=True), "team_id": integer(null=True),
    "reasons": array(string()), "state": string(enum=FOLLOW_UP_STATES), "due_at": moment(), "overdue": boolean(),
    "outcome": string(enum=FOLLOW_UP_OUTCOMES, null=True), "note": string(null=True), "closed_at": moment(null=True),
    "created_at": moment(),
}
SCHEMAS["FollowUpLine"] = obj(_follow_up_line, "A service-recovery follow-up, as a customer's history lists it.")
SCHEMAS["CustomerCard"] = obj({
    "customer": ref("Customer"),
    "organization": obj({"id": ID, "name": string()}, null=True),
    "products": array(ref("OwnedProduct")),
    "open_tickets": array(ref("TicketSummary")), "recent_tickets": array(ref("TicketSummary")),
    "timeline": array(ref("TimelineItem")),
    "timeline_next_cursor": string("Pass as ?timeline_cursor= for the timeline's next page.", null=True),
    "stats": obj({"tickets_total": integer(), "tickets_open": integer(), "last_contact_at": moment(null=True)}),
    "scores": ref("Scores"),
    "follow_ups": array(ref("FollowUpLine")),
}, "The customer card; scores and follow-ups only when the reader may see them.",
    optional=("scores", "follow_ups"))

# Tickets
_ticket_summary = {
    "id": ID, "number": integer("The human number customers quote.", null=True), "subject": string(),
    "status": string(enum=STATUSES), "priority": string(enum=PRIORITIES), "type": string(enum=TYPES),
    "channel": string(enum=CHANNELS), "team": string("The team's name.", null=True), "team_id": integer(null=True),
    "assignee_id": integer(null=True), "customer_id": integer(null=True),
    "product_id": integer("The customer's owned product (OwnedProduct.id).", null=True),
    "tags": array(string()), "created_at": moment(), "updated_at": moment(),
    "version": integer("Send it back in PATCH: a stale one is a 409.", minimum=1),
    "sla_state": string("The worst running clock's state.", enum=SLA_STATES, null=True),
    "sla_due_at": moment("The next SLA deadline.", null=True),
}
SCHEMAS["TicketSummary"] = obj(_ticket_summary, "A ticket in a list.")
SCHEMAS["Attachment"] = obj({
    "id": ID, "filename": string(), "content_type": string(), "size": integer(minimum=0),
    "sha256": string(pattern="^[0-9a-f]{64}$"), "url": string("GET it with the same authorization."),
})
SCHEMAS["Message"] = obj({
    "id": ID, "body": string("HTML (rendered from Markdown, sanitised)."),
    "internal": boolean("An internal note: never shown to customers."), "kind": string("reply or note"),
    "from_customer": boolean(), "channel": string(enum=CHANNELS),
    "author": obj({"id": ID, "name": string()}, null=True), "created_at": moment(),
    "attachments": array(ref("Attachment")),
})
SCHEMAS["SlaClock"] = obj({
    "due_at": moment(null=True), "state": string(enum=SLA_STATES),
    "remaining_seconds": integer("Business seconds left (negative once overdue).", null=True),
    "started_at": moment(null=True), "stopped_at": moment(null=True),
})
SCHEMAS["Promise"] = obj({
    "id": ID, "ticket_id": ID, "customer_id": integer(null=True), "what": string(), "due_at": moment(),
    "warn_at": moment(null=True), "owner_id": integer(null=True), "created_by_id": integer(null=True),
    "call_id": integer(null=True), "state": string(enum=PROMISE_STATES),
    "kept_by": string("reply or call", null=True), "created_at": moment(), "warned_at": moment(null=True),
    "kept_at": moment(null=True), "broken_at": moment(null=True), "cancelled_at": moment(null=True),
}, "A promise made to the customer. Customers see only what, due_at and state.",
    optional=("id", "ticket_id", "customer_id", "warn_at", "owner_id", "created_by_id", "call_id", "kept_by",
              "created_at", "warned_at", "kept_at", "broken_at", "cancelled_at"))
SCHEMAS["TicketSurvey"] = obj({
    "csat": integer(null=True, minimum=1, maximum=5), "nps": integer(null=True, minimum=0, maximum=10),
    "effort": integer(null=True, minimum=1, maximum=7), "comment": string(null=True), "answered_at": moment(),
    "channel": string(),
})
SCHEMAS["Ticket"] = obj({
    **_ticket_summary,
    "messages": array(ref("Message"), "Oldest first; customers never get internal notes."),
    "sla": obj({metric: ref("SlaClock", null=True) for metric in SLA_METRICS}),
    "merged_into_id": integer(null=True), "repeat_of_id": integer("A recent ticket about the same product.",
                                                                  null=True),
    "survey": ref("TicketSurvey", null=True, description="The satisfaction answer, once answered."),
    "promises": array(ref("Promise")),
}, "A ticket with its conversation, SLA clocks, promises and survey answer.")
SCHEMAS["TicketCreate"] = body({
    "subject": string(maxLength=300), "body": string("Markdown."),
    "customer_id": integer("Staff: the customer; or customer_email."),
    "customer_email": string("Staff: the customer by e-mail (created if unknown).", format="email"),
    "channel": string(enum=CHANNELS, default="api"), "priority": string(enum=PRIORITIES, default="normal"),
    "type": string(enum=TYPES, default="question"), "team": TEAM_REF,
    "assignee_id": integer(), "product_id": integer("One of the customer's owned products (OwnedProduct.id)."),
    "tags": array(string()), "on_behalf_of_customer": boolean(default=True),
}, "Customers always create for themselves; channel, priority, team, assignee and tags are the staff's.",
    required=("subject", "body"))
SCHEMAS["TicketUpdate"] = body({
    "version": integer("The version you last read."), "status": string(enum=STATUSES),
    "priority": string(enum=PRIORITIES), "type": string(enum=TYPES), "subject": string(maxLength=300),
    "assignee_id": integer(null=True), "team": {**TEAM_REF, "oneOf": [*TEAM_REF["oneOf"], {"type": "null"}]},
    "tags": array(string()),
}, "Customers may only change status (close or reopen).", required=("version",))
SCHEMAS["MessageCreate"] = body({
    "body": string("Markdown."), "internal": boolean("An internal note (staff only).", ),
}, required=("body",))
SCHEMAS["PromiseCreate"] = body({
    "what": string("What was promised.", maxLength=500), "due_at": moment("With its offset."),
    "owner_id": integer("Default: you."),
}, required=("what", "due_at"))
SCHEMAS["TicketLinks"] = obj({"ticket_id": ID, "related_ids": array(ID)})
SCHEMAS["TicketEvent"] = obj({
    "id": ID, "action": string(), "field": string(null=True), "old": string(null=True), "new": string(null=True),
    "actor": obj({"id": ID, "name": string()}, null=True), "created_at": moment(),
    "data": {"description": "Event-specific details (JSON).", "type": ["object", "array", "null"]},
})

# Knowledge base
SCHEMAS["Article"] = obj({
    "id": ID, "slug": string(), "title": string(), "body": string("Markdown."), "body_html": string(),
    "language": string(enum=("fr", "en")), "visibility": string(enum=("public", "internal")),
    "status": string(enum=("draft", "published", "archived")),
    "category": obj({"id": ID, "slug": string(), "name": string()}, null=True),
    "tags": array(string()), "product_skus": array(string()), "translation_group_id": integer(null=True),
    "translations": array(obj({"id": ID, "language": string(), "slug": string()})),
    "version": integer("The latest version's number: send it back in PUT.", null=True),
    "view_count": integer(), "helpful_count": integer(), "not_helpful_count": integer(),
    "created_at": moment(), "updated_at": moment(), "published_at": moment(null=True), "url": string(),
})
_article_fields = {
    "title": string(), "body": string("Markdown."), "language": string(enum=("fr", "en"), default="fr"),
    "visibility": string(enum=("public", "internal"), default="public"),
    "status": string(enum=("draft", "published", "archived"), default="draft"),
    "category": {"description": "The category's id, slug or name; \"\" for none.",
                 "oneOf": [integer(), string()]},
    "tags": array(string()), "product_skus": array(string()),
    "slug": string(pattern="^[a-z0-9]+(-[a-z0-9]+)*$", maxLength=120),
    "translation_of": integer("The article this one translates."),
    "version": integer("PUT: the version you edited; another save meanwhile is a 409."),
}
SCHEMAS["ArticleCreate"] = body(_article_fields, required=("title", "body"))
SCHEMAS["ArticleUpdate"] = body(_article_fields, "Only the fields sent change.")
_search_flags = {
    "total": integer(), "total_exact": boolean(), "suggestion": string("Did you mean...", null=True),
    "corrected": boolean("The hits are for the suggestion."), "approximate": boolean(),
    "degraded": boolean("The index is unavailable: answered from the database."),
}
SCHEMAS["ArticleHit"] = obj({
    "id": ID, "slug": string(null=True), "title": string(), "title_html": string("The searched words in <mark>."),
    "snippet": string("Highlighted HTML."), "score": number(), "language": string(null=True),
    "visibility": string(null=True), "url": string(),
})
SCHEMAS["ArticleSearch"] = obj({
    "items": array(ref("ArticleHit")), **_search_flags,
    "search_id": string("The recorded search (null with record=0); result urls carry it.", null=True),
})
SCHEMAS["ArticleSuggestions"] = obj({"items": array(ref("ArticleHit")), **_search_flags})
SCHEMAS["TicketSearch"] = obj({"items": array(obj({
    "id": ID, "number": integer(null=True), "subject": string(), "subject_html": string(),
    "status": string(null=True), "created_at": string(null=True), "snippet": string(),
    "snippet_is_note": boolean("The snippet comes from an internal note (staff only)."),
    "score": number(), "url": string(),
})), **_search_flags})
SCHEMAS["Vote"] = obj({"id": ID, "article_id": ID, "helpful": boolean(), "comment": string(null=True)})

# Telephony
SCHEMAS["CtiEvent"] = body({
    "event": string(enum=("newCall", "answer", "hangup")), "call_id": string(),
    "from": string(maxLength=64), "to": string(maxLength=64), "direction": string(enum=("in", "out"), default="in"),
    "agent_email": string(maxLength=254), "team": string("A team's name.", maxLength=120),
    "cause": string("Hangup reason.", maxLength=64),
}, "Delivering the same event twice changes nothing. newCall needs from (incoming) or to (outgoing).",
    required=("event", "call_id"))
SCHEMAS["CtiEventResult"] = obj({
    "call_id": string(), "customer_ids": array(ID, "The customers the caller's number matches."),
    "state": string(enum=CALL_STATES),
})
SCHEMAS["CtiCompatEvent"] = body({
    "event": string(enum=("newCall", "answer", "hangup")), "callId": string(), "from": string(), "to": string(),
    "direction": string(enum=("in", "out", "inbound", "outbound")), "user[]": array(string()),
    "queue": string("A team."), "cause": string("A call hung up before any answer is a missed call."),
    "answeringNumber": string("The answering agent: e-mail, login or extension."),
}, "The generic CTI format PBX bridges written for Zammad send (Asterisk, sipgate, Placetel...).",
    required=("event", "callId"))

# Administration
_calendar_fields = {
    "name": string(maxLength=120), "timezone": string("IANA, e.g. Europe/Paris.", default="Europe/Paris"),
    "hours": mapping(array(array(string(pattern="^\\d{2}:\\d{2}$"), None), None),
                     'Per weekday (mon...sun), opening intervals: {"mon": [["09:00","12:30"],["13:30","18:00"]]}'),
    "holidays_country": string("e.g. FR", null=True),
    "holidays_subdivision": string("A subdivision of the country the `holidays` package knows, e.g. 57 (Moselle).",
                                   null=True),
    "closed_days": array(day()),
    "openings": mapping(array(array(string(pattern="^\\d{2}:\\d{2}$"), None), None),
                        'Exceptional openings, which replace the week\'s hours on their date (even a holiday): '
                        '{"2026-12-19": [["09:00","12:00"]]}'),
}
SCHEMAS["Recompute"] = obj({
    "id": ID, "label": string("What changed: the policy's, calendar's or team's name."),
    "state": string(enum=("queued", "running", "done", "failed")), "total": integer("Open tickets concerned."),
    "done": integer(), "percent": integer(minimum=0, maximum=100), "requested_at": moment(),
    "started_at": moment(null=True), "finished_at": moment(null=True), "error": string(null=True),
}, "The recompute of the open tickets a change concerns: done within the request up to SLA_RECOMPUTE_INLINE "
   "tickets, else in the background.")
_recompute = {"recompute": ref("Recompute")}
SCHEMAS["Calendar"] = obj({"id": ID, **_calendar_fields, "closed_days": array(day()), "updated_at": moment(),
                           **_recompute}, optional=("recompute",))
SCHEMAS["CalendarInput"] = body(_calendar_fields, required=("name", "hours"))
SCHEMAS["Team"] = obj({
    "id": ID, "name": string(), "calendar_id": integer(null=True), "auto_assign": boolean(),
    "default_sla_policy_id": integer(null=True), "member_ids": array(ID), **_recompute,
}, optional=("recompute",))
SCHEMAS["TeamCreate"] = body({
    "name": string(maxLength=120), "calendar_id": integer(), "auto_assign": boolean(default=False),
    "email": string(format="email"),
}, required=("name",))
_targets = obj({"first_response_minutes": integer(null=True), "next_response_minutes": integer(null=True),
                "resolution_minutes": integer(null=True)})
_escalation = obj({"on": string(enum=("warning", "breached")), "metric": string(enum=("any", *SLA_METRICS)),
                   "action": string(enum=("raise_priority", "reassign", "notify")),
                   "team": integer("reassign: to this team."),
                   "to": {"description": 'reassign: a staff id (or null: back to the queue); notify: "leads" '
                                         '(default), "assignee" or a staff id.', "oneOf": [integer(), string()]}},
                  optional=("metric", "team", "to"))
SCHEMAS["SlaPolicy"] = obj({
    "id": ID, "name": string(), "rank": integer("The lowest rank whose conditions match applies."),
    "calendar_id": integer(null=True), "conditions": mapping({}, "See SlaPolicyInput.conditions."),
    "targets": _targets, "warn_at_percent": integer(), "pause_statuses": array(string(enum=STATUSES)),
    "escalations": array({"type": "object"}), "active": boolean(), **_recompute,
}, optional=("recompute",))
SCHEMAS["SlaPolicyInput"] = body({
    "name": string(maxLength=120), "calendar_id": integer(),
    "conditions": body({
        "priority": {"description": "One value or a list (any of them).", "oneOf": [string(enum=PRIORITIES),
                                                                                    array(string(enum=PRIORITIES))]},
        "type": {"oneOf": [string(enum=TYPES), array(string(enum=TYPES))]},
        "team": {"description": "Id(s) or name(s).", "oneOf": [integer(), string(), array({})]},
        "segment": {"description": "Commercial segment.", "oneOf": [string(enum=SEGMENTS),
                                                                    array(string(enum=SEGMENTS))]},
        "tactical_segment": {"oneOf": [string(enum=TACTICAL_SEGMENTS), array(string(enum=TACTICAL_SEGMENTS))]},
        "min_score": integer("The customer's score is known and at least this.", minimum=0, maximum=100),
    }, "Omitted = any."),
    "targets": body({"first_response_minutes": integer(minimum=1, maximum=525600),
                     "next_response_minutes": integer(minimum=1, maximum=525600),
                     "resolution_minutes": integer(minimum=1, maximum=525600)}, "At least one."),
    "warn_at_percent": integer(minimum=1, maximum=99, default=80), "rank": integer(default=100),
    "pause_statuses": array(string(enum=STATUSES)), "escalations": array(_escalation),
    "active": boolean("An inactive policy applies to no ticket.", default=True),
}, required=("name", "calendar_id", "targets"))

# Surveys
SCHEMAS["SurveyInvitation"] = obj({
    "ticket": obj({"number": integer(null=True), "subject": string()}, null=True),
    "questions": array(string(enum=("csat", "effort", "nps", "comment"))),
    "language": string(enum=("fr", "en")), "expires_at": moment(null=True),
    "csat": integer("The rating preselected by ?csat=.", null=True, minimum=1, maximum=5),
})
SCHEMAS["SurveyAnswer"] = body({
    "csat": integer(minimum=1, maximum=5), "effort": integer(minimum=1, maximum=7),
    "nps": integer("Only when asked.", minimum=0, maximum=10), "comment": string(),
}, required=("csat",))
SCHEMAS["SurveyResponse"] = obj({
    "id": ID, "ticket_id": integer(null=True), "csat": integer(null=True), "nps": integer(null=True),
    "effort": integer(null=True), "comment": string(null=True), "channel": string(), "answered_at": moment(),
})
SCHEMAS["SurveySettings"] = obj({
    "enabled": boolean(), "delay_minutes": integer(minimum=0, maximum=43200),
    "throttle_days": integer(minimum=0, maximum=365), "nps_period_days": integer(minimum=0, maximum=3650),
    "expiry_days": integer(minimum=1, maximum=365),
    "enabled_team_ids": array(ID, "null: every team (and tickets of no team); [] surveys nothing.", null=True),
})
SCHEMAS["SurveySettingsUpdate"] = body({
    name: {k: v for k, v in schema.items()} for name, schema in SCHEMAS["SurveySettings"]["properties"].items()
}, "Only the settings sent change; unknown ones are refused.")
SCHEMAS["FollowUp"] = obj({
    **_follow_up_line, "customer_id": ID, "response": ref("SurveyResponse", null=True),
}, "A service-recovery follow-up (after a poor survey answer).")
SCHEMAS["FollowUpClose"] = body({
    "outcome": string(enum=FOLLOW_UP_OUTCOMES), "note": string("What was done."),
}, required=("outcome", "note"))

# Mail (admin)
SCHEMAS["OutgoingMail"] = obj({
    "id": ID, "to": string(format="email"), "subject": string(),
    "kind": string("acknowledgement, reply, resolved, verify_email, reset_password...; null for alerts and surveys.",
                   null=True),
    "ticket_id": integer(null=True), "attempts": integer(minimum=0),
    "last_error": string("The SMTP server's last answer, or the connection error.", null=True),
    "created_at": moment(), "next_attempt_at": moment("When the next try is due (back-off); null: at once.", null=True),
    "failed_at": moment("Given up (MAIL_MAX_ATTEMPTS, or refused for good): never retried unless resent.", null=True),
    "sent_at": moment(null=True),
}, "An outgoing e-mail.")
SCHEMAS["QuarantinedEmail"] = obj({
    "id": ID, "received_at": moment(), "sender": string("The From address, lower-cased.", null=True),
    "subject": string(null=True), "state": string(enum=("processed", "ignored", "quarantined")),
    "reason": string("Why it was held (or ignored).", null=True), "size": integer(minimum=0),
    "ticket_id": integer("The ticket it became or joined, once processed.", null=True),
}, "An incoming e-mail, as kept.")

# Reports
_period = {
    "from": day("First day (included)."), "to": day("Last day (included)."), "range": string(enum=RANGES),
    "timezone": string("The days' time zone: the team's calendar's, else the default."),
    "filters": mapping(string(), "The other filters applied (team, agent, priority, product, channel, segment)."),
    "computed_at": string("When these figures were computed (ISO 8601, UTC).", format="date-time"),
    "kept": boolean("True: a report long to compute, kept and served for REPORT_KEEP_MINUTES from computed_at "
                    "(the report page's \"Recalculer\" computes it again); false: computed for this request."),
}
_compliance = obj({"met": integer(), "breached": integer(), "pending": integer(),
                   "compliance": number("Percent met of met + breached.", null=True)})
_spread = obj({"count": integer(), "median_seconds": number(null=True), "p90_seconds": number(null=True)},
              "Business seconds.")
_quality = {
    "first_contact_resolution": obj({"resolved": integer(), "first_contact": integer(), "rate": number(null=True)}),
    "reopen": obj({"resolved": integer(), "reopened": integer(), "rate": number(null=True)}),
}
SCHEMAS["SlaReport"] = obj({
    **_period,
    "metrics": obj({metric: _compliance for metric in SLA_METRICS}),
    "by_priority": mapping(obj({metric: _compliance for metric in SLA_METRICS}),
                           "priority -> metric -> figures (priorities with clocks only)"),
    "times": mapping(_spread, "first_response, resolution"), **_quality,
}, "SLA compliance of the clocks started in the period, per metric and priority.")
_satisfaction = {
    "responses": integer(),
    "csat": obj({"average": number(null=True), "percent_satisfied": number(null=True), "answers": integer()}),
    "nps": obj({"score": number(null=True), "promoters": integer(), "passives": integer(), "detractors": integer(),
                "answers": integer()}),
    "effort": obj({"average": number(null=True), "answers": integer()}),
}
SCHEMAS["SatisfactionReport"] = obj({
    **_period, "invitations_sent": integer(), "response_rate": number(null=True), **_satisfaction,
    "by_day": array(obj({"day": day(), **_satisfaction})),
})
SCHEMAS["VolumeReport"] = obj({
    **_period, "channels": array(string()),
    "created": obj({"total": integer(), "by_channel": mapping(integer())}),
    "resolved": obj({"total": integer(), "by_channel": mapping(integer())}),
    "by_day": array(obj({"day": day(), "created": mapping(integer()), "resolved": mapping(integer()),
                         "backlog": integer("Open at the end of the day.")})),
    "by_hour": obj({"weekdays": array(string()), "hours": array(integer()),
                    "created": array(array(integer()), "[weekday, Monday first][local hour 0-23]")}),
})
SCHEMAS["AgentsReport"] = obj({**_period, "items": array(obj({
    "agent_id": ID, "name": string(), "handled": integer(), "resolved": integer(),
    "first_response": _spread, "resolution": _spread, **_quality,
    "csat": obj({"answers": integer(), "average": number(null=True), "percent_satisfied": number(null=True)}),
    "promises": obj({"kept": integer(), "broken": integer(), "kept_percent": number(null=True)}),
}))})
SCHEMAS["MissingArticlesReport"] = obj({
    "from": day(), "to": day(), "total": integer(),
    "items": array(obj({
        "id": ID, "query": string("The most searched wording."), "language": string(),
        "source": string(enum=SEARCH_SOURCES), "sources": array(string(enum=SEARCH_SOURCES)),
        "searches": integer(), "no_results": integer(), "not_followed": integer(),
        "first_seen_at": moment(), "last_seen_at": moment(), "draft_article_id": integer(null=True),
    })),
})

# --- parameters -----------------------------------------------------------------------------------


def query(name: str, schema: Schema, description: str | None = None, *, explode: bool | None = None) -> dict:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    if explode is not None:
        parameter["style"], parameter["explode"] = "form", explode
    return parameter


def param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


PARAMETERS = {
    "limit": query("limit", integer(minimum=1, maximum=200, default=50)),
    "cursor": query("cursor", string(), "The next_cursor of the previous page."),
    "report_range": query("range", string(enum=RANGES, default="30d"),
                          "A named period; without it, from/to make a custom one."),
    "report_from": query("from", day(), "First day (included), in the calendar's time zone."),
    "report_to": query("to", day(), "Last day (included); at most 731 days after from."),
    "report_team": query("team", string(), "A team's id or name (its calendar's time zone then applies)."),
    "report_agent": query("agent", integer(), "A staff user's id."),
    "report_priority": query("priority", string(enum=PRIORITIES)),
    "report_product": query("product", string(), "A catalogue product's id or SKU."),
    "report_channel": query("channel", string(enum=CHANNELS)),
    "report_segment": query("segment", string(enum=TACTICAL_SEGMENTS), "The customers' tactical segment."),
    "report_format": query("format", string(enum=("json", "csv")), "csv: the table as CSV (or Accept: text/csv)."),
}
PAGE = [param("limit"), param("cursor")]
REPORT = [param(f"report_{name}") for name in ("range", "from", "to", "team", "agent", "priority", "product",
                                               "channel", "segment", "format")]
PATH_DESCRIPTIONS = {
    "ticket_id": "A ticket's id.", "customer_id": "A customer's id.", "promise_id": "A promise's id.",
    "attachment_id": "An attachment's id.", "article_id": "An article's id.", "calendar_id": "A calendar's id.",
    "policy_id": "An SLA policy's id.", "follow_up_id": "A follow-up's id.",
    "outbox_id": "An outgoing e-mail's id.", "inbound_id": "An incoming e-mail's id.",
    # Per view ("view.name") where one name means different things.
    "cti_compat.token": "The CTI secret (CTI_TOKEN), for PBX bridges that cannot send a header.",
    "get_survey.token": "The token of the e-mailed survey link.",
    "answer_survey.token": "The token of the e-mailed survey link.",
}

# --- responses ------------------------------------------------------------------------------------

ERRORS = {
    400: ("BadRequest", "Malformed or invalid input: details.fields names each bad field."),
    401: ("Unauthorized", "No, or an invalid, expired or revoked, credential."),
    403: ("Forbidden", "Your role may not do this."),
    404: ("NotFound", "No such object, or one you may not see."),
    409: ("Conflict", "A stale version, or a duplicate."),
    410: ("Gone", "An expired or already used link."),
    413: ("PayloadTooLarge", "The request body or file is too large."),
    415: ("UnsupportedMediaType", "Send JSON as application/json; for files, a type not accepted."),
    429: ("TooManyRequests", "Rate limited: retry after Retry-After seconds."),
}
ERROR_CONTENT = {"application/json": {"schema": ref("Error")}}
RESPONSES = {name: {"description": text, "content": ERROR_CONTENT} for name, text in ERRORS.values()}
RESPONSES["TooManyRequests"]["headers"] = {
    "Retry-After": {"description": "Seconds to wait.", "schema": integer(minimum=0)}}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "A token from POST /auth/token; it acts with its owner's role (a token made with a role scope, at most with that role)."},
    "ctiToken": {"type": "apiKey", "in": "header", "name": "X-CTI-Token",
                 "description": "The telephony secret (generated by an admin in the browser, else CTI_TOKEN), not a user token."},
}


def json_content(schema: Schema) -> dict:
    return {"application/json": {"schema": schema}}


CSV = {"text/csv": {"schema": string("UTF-8 with BOM.")}}

# --- operations -----------------------------------------------------------------------------------

AUTH = {"bearer": [{"bearerAuth": []}], "cti": [{"ctiToken": []}], "none": []}


def op(summary: str, tag: str, *, ok: Schema | None = None, status: int = 200, description: str | None = None,
       auth: str = "bearer", params=(), body_schema: Schema | None = None, content: dict | None = None,
       errors=(), request_content: dict | None = None) -> dict:
    """One operation. Errors implied by the rest are added: 401 for authenticated calls; 400, 413 and 415
    for a JSON body. `content` replaces the JSON success content (CSV, files)."""
    operation: dict[str, Any] = {"summary": summary, "tags": [tag]}
    if description:
        operation["description"] = description
    operation["security"] = AUTH[auth]
    if params:
        operation["parameters"] = list(params)
    codes = set(errors)
    if body_schema is not None:
        request_content = json_content(body_schema)
        codes |= {400, 413, 415}
    if request_content is not None:
        operation["requestBody"] = {"required": True, "content": request_content}
    if auth != "none":
        codes.add(401)
    success: dict[str, Any] = {"description": summary}
    if content is not None:
        success["content"] = content
    elif ok is not None:
        success["content"] = json_content(ok)
    operation["responses"] = {str(status): success}
    for code in sorted(codes):
        operation["responses"][str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    return operation


def _update(summary: str, tag: str, **kwargs) -> dict[str, dict]:
    """PUT and PATCH on one view: both partial updates."""
    return {"put": op(summary, tag, **kwargs), "patch": op(summary, tag, **kwargs)}


OPERATIONS: dict[str, dict[str, dict]] = {
    # Meta and auth
    "openapi_document": {"get": op(
        "This OpenAPI document", "Meta", auth="none", content=json_content({"type": "object"}),
        description="Generated from the routes themselves; cacheable: send If-None-Match with the ETag.")},
    "create_token": {"post": op(
        "Exchange an e-mail and password for a bearer token", "Auth", auth="none", status=201,
        ok=ref("Token"), body_schema=ref("TokenRequest"), errors=(401, 429),
        description="401 invalid_credentials on a wrong e-mail or password; rate limited per address.")},
    "me": {"get": op("The token's user", "Auth", ok=ref("User"))},
    "create_user_route": {"post": op("Create a user (admin)", "Administration", status=201, ok=ref("User"),
                                     body_schema=ref("UserCreate"), errors=(403, 409),
                                     description="Without a password, the person is e-mailed an invitation to "
                                                 "choose one (a single-use link, INVITE_HOURS long).")},
    "list_users": {"get": op(
        "List accounts (admin)", "Administration", ok=page_of(ref("User")), errors=(400, 403),
        params=[query("q", string(maxLength=100), "In the name or the e-mail."),
                query("role", string(enum=("customer", "agent", "lead", "admin"))), query("team", integer()),
                query("active", boolean()), *PAGE])},
    "update_user": {"patch": op(
        "Change an account (admin)", "Administration", ok=ref("User"), errors=(403, 404, 409),
        body_schema=body({"name": string(maxLength=200), "role": string(enum=("customer", "agent", "lead", "admin")),
                          "team_ids": array(ID), "active": boolean(), "extension": string(maxLength=32, null=True)},
                         "Only the fields sent change; bad ones come back as codes in details.fields."),
        description="Deactivating, a lower role or fewer teams ends the user's web sessions, revokes their API "
                    "tokens and closes their live connections at once. 409 last_admin: the last active admin "
                    "can be neither deactivated nor demoted.")},
    # Customers
    "list_customers": {"get": op(
        "Search customers", "Customers", ok=page_of(ref("CustomerRow")),
        description="Staff see all customers, a customer only themselves. Score filters and sort are staff-only.",
        params=[query("q", string(maxLength=200), "Name, e-mail, organization..."),
                query("email", string(maxLength=200)),
                query("phone", string(maxLength=200), "Any format: normalised before matching."),
                query("segment", string(enum=TACTICAL_SEGMENTS)),
                query("min_score", integer(minimum=0, maximum=100)),
                query("max_score", integer(minimum=0, maximum=100)),
                query("sort", string(enum=CUSTOMER_SORTS, default="name")), *PAGE],
        errors=(400,))},
    "create_customer": {"post": op("Create a customer", "Customers", status=201, ok=ref("Customer"),
                                   body_schema=ref("CustomerCreate"), errors=(403,))},
    "get_customer": {"get": op(
        "The customer card", "Customers", ok=ref("CustomerCard"), errors=(400, 404),
        params=[query("timeline_limit", integer(minimum=1, maximum=200, default=20)),
                query("timeline_cursor", string(), "The timeline_next_cursor of the previous card.")])},
    "update_customer": {"patch": op("Update a customer (partial)", "Customers", ok=ref("Customer"),
                                    body_schema=ref("CustomerUpdate"), errors=(403, 404))},
    "add_product": {"post": op("Record a product the customer owns", "Customers", status=201,
                               ok=ref("OwnedProduct"), body_schema=ref("OwnedProductCreate"), errors=(403, 404))},
    "add_order": {"post": op("Record an order (feeds RFM scores)", "Customers", status=201, ok=ref("Order"),
                             body_schema=ref("OrderCreate"), errors=(403, 404, 409),
                             description="A reference already recorded is a 409 duplicate: the order stays one.")},
    "list_follow_ups": {"get": op("A customer's service-recovery follow-ups (staff)", "Customers",
                                  ok=page_of(ref("FollowUpLine")), params=PAGE, errors=(400, 403, 404))},
    # Tickets
    "create_ticket": {"post": op("Create a ticket", "Tickets", status=201, ok=ref("Ticket"),
                                 body_schema=ref("TicketCreate"), errors=(403,))},
    "list_tickets": {"get": op(
        "List tickets", "Tickets", ok=page_of(ref("TicketSummary")), errors=(400,),
        params=[query("view", string(enum=VIEWS, default="all")),
                query("status", array(string(enum=STATUSES)), "One or more, repeated or comma-separated.",
                      explode=True),
                query("priority", array(string(enum=PRIORITIES)), "One or more.", explode=True),
                query("team", string(), "A team's id or name."),
                query("assignee", string(pattern="^(me|none|[0-9]+)$"), "me, none or a user id."),
                query("customer_id", integer()), query("product_id", integer()),
                query("sla", string(enum=("at_risk", "breached"))), query("tag", string()),
                query("q", string(maxLength=200)), query("sort", string(enum=("newest", "sla"), default="newest")),
                *PAGE])},
    "get_ticket": {"get": op("A ticket with its messages, SLA, promises and survey", "Tickets", ok=ref("Ticket"),
                             errors=(404,))},
    "update_ticket": {"patch": op(
        "Update a ticket", "Tickets", ok=ref("Ticket"), body_schema=ref("TicketUpdate"), errors=(404, 409),
        description="409 when version is stale (details.current_version is the one to re-read). A customer "
                    "reopening a ticket resolved more than PORTAL_REOPEN_DAYS ago: 400 reopen_window_passed.")},
    "add_message": {"post": op("Reply, or add an internal note", "Tickets", status=201, ok=ref("Message"),
                               body_schema=ref("MessageCreate"), errors=(404,),
                               description="Customers cannot post internal notes (400 on internal), nor reply "
                                           "to a ticket resolved more than PORTAL_REOPEN_DAYS ago (400 "
                                           "reopen_window_passed: a new ticket is the way).")},
    "upload_attachment": {"post": op(
        "Attach a file", "Tickets", status=201, ok=ref("Attachment"), errors=(400, 404, 413, 415),
        request_content={"multipart/form-data": {"schema": body(
            {"file": string(contentMediaType="application/octet-stream")}, required=("file",))}},
        description="Size (ATTACHMENT_MAX_BYTES) and type limits: 413 and 415.")},
    "download_attachment": {"get": op(
        "Download an attachment", "Tickets", errors=(404,),
        content={"application/octet-stream": {"schema": string(
            "The file, served with its own Content-Type.", contentMediaType="application/octet-stream")}})},
    "make_promise": {"post": op("Promise something to the customer (staff)", "Tickets", status=201,
                                ok=ref("Promise"), body_schema=ref("PromiseCreate"), errors=(403, 404))},
    "cancel_promise": {"post": op("Cancel a promise", "Tickets", ok=ref("Promise"), errors=(400, 403, 404, 409))},
    "merge_ticket": {"post": op(
        "Merge this ticket into another", "Tickets", ok=ref("Ticket"), errors=(403, 404),
        body_schema=body({"into_id": integer("The ticket to merge into.")}, required=("into_id",)),
        description="Returns the ticket merged into.")},
    "link_ticket": {"post": op(
        "Link a related ticket", "Tickets", status=201, ok=ref("TicketLinks"), errors=(403, 404, 409),
        body_schema=body({"related_id": integer()}, required=("related_id",)))},
    "ticket_history": {"get": op("A ticket's history (staff)", "Tickets", ok=page_of(ref("TicketEvent")),
                                 errors=(403, 404))},
    "ticket_search": {"get": op(
        "Past tickets like this text", "Tickets", ok=ref("TicketSearch"), errors=(400,),
        description="Staff: every ticket, internal notes included; customers: their own, public text.",
        params=[query("q", string(maxLength=300)), query("limit", integer(minimum=1, maximum=50, default=10))])},
    # Knowledge base
    "kb_search": {"get": op(
        "Search the knowledge base", "Knowledge base", ok=ref("ArticleSearch"), errors=(400,),
        description="Customers see public published articles only. Recorded for the missing-articles "
                    "report unless record=0.",
        params=[query("q", string(maxLength=300)), query("lang", string(enum=("fr", "en", "all"))),
                query("limit", integer(minimum=1, maximum=50, default=10)),
                query("category", array(string()), "Category ids or slugs.", explode=True),
                query("product", array(string()), "Product ids or SKUs.", explode=True),
                query("record", string(enum=("1", "0", "true", "false", "no"), default="1"))])},
    "kb_suggest": {"get": op(
        "Articles for a ticket being typed (deflection)", "Knowledge base", ok=ref("ArticleSuggestions"),
        errors=(400,), params=[query("q", string(maxLength=300)), query("lang", string(enum=("fr", "en", "all"))),
                               query("limit", integer(minimum=1, maximum=50, default=5))])},
    "kb_create_article": {"post": op("Write an article (agents and above)", "Knowledge base", status=201,
                                     ok=ref("Article"), body_schema=ref("ArticleCreate"), errors=(403,))},
    "kb_update_article": {"put": op("Edit an article (agents and above)", "Knowledge base", ok=ref("Article"),
                                    body_schema=ref("ArticleUpdate"), errors=(403, 404, 409))},
    "kb_get_article": {"get": op("An article", "Knowledge base", ok=ref("Article"), errors=(404,))},
    "kb_vote": {"post": op("Was this helpful?", "Knowledge base", status=201, ok=ref("Vote"), errors=(404,),
                           body_schema=body({"helpful": boolean(), "comment": string()}, required=("helpful",)),
                           description="One vote per user: a new one replaces theirs.")},
    # Telephony
    "cti_events": {"post": op(
        "A telephony event", "Telephony", auth="cti", ok=ref("CtiEventResult"), body_schema=ref("CtiEvent"),
        description="On newCall the agents concerned receive call:incoming on the /console Socket.IO namespace "
                    "with the caller's customer card, the candidates, or an unknown-caller payload.")},
    "cti_compat": {"post": op(
        "A telephony event in the generic PBX-bridge format", "Telephony", auth="none", ok=obj({}),
        errors=(400, 401, 413, 415),
        description="Authenticated by the CTI secret in the path (401 when wrong or unset), not by a header.",
        request_content={"application/x-www-form-urlencoded": {"schema": ref("CtiCompatEvent")},
                         "application/json": {"schema": ref("CtiCompatEvent")}})},
    # Product catalogue
    "list_products": {"get": op(
        "The product catalogue (staff)", "Products", ok=page_of(ref("Product")), errors=(400, 403),
        params=[query("q", string(maxLength=100), "In the SKU or the name."), query("family", string()),
                query("active", boolean()), *PAGE])},
    "get_product": {"get": op("A catalogue product (staff)", "Products", ok=ref("Product"), errors=(403, 404))},
    "create_product": {"post": op("Add a product to the catalogue (admin)", "Products", status=201, ok=ref("Product"),
                                  body_schema=ref("ProductCreate"), errors=(403, 409),
                                  description="A SKU already used (whatever its case) is a 409 duplicate.")},
    "update_product": {"patch": op("Change a catalogue product (admin)", "Products", ok=ref("Product"),
                                   body_schema=body(_product_fields, "Only the fields sent change."),
                                   errors=(403, 404, 409))},
    "import_products": {"post": op(
        "Import the catalogue from a CSV (admin)", "Products", ok=ref("ProductImportReport"), errors=(400, 403),
        request_content={"text/csv": {"schema": string()}, "multipart/form-data": {"schema": body(
            {"file": string(contentMediaType="text/csv")}, required=("file",))}},
        description="Header line with sku and name (French headers too), optionally family, warranty_months, "
                    "active; comma or semicolon. Lines are created or updated by SKU; each bad one is reported "
                    "with its line number and codes. An unreadable file: 400 unreadable_file.")},
    "list_audit_events": {"get": op(
        "The audit log of admin changes (admin), newest first", "Administration", ok=page_of(ref("AuditEvent")),
        errors=(400, 403),
        params=[query("from", string(format="date")), query("to", string(format="date")),
                query("actor", integer(), "A user id."), query("object", string(), "A type, or type:id."), *PAGE])},
    "list_api_tokens": {"get": op(
        "API tokens not revoked (admin), newest first", "Administration", ok=page_of(ref("ApiToken")),
        errors=(400, 403), params=[*PAGE])},
    "create_api_token": {"post": op(
        "Make an API token for a staff member (admin)", "Administration", status=201,
        ok={"allOf": [ref("ApiToken"), obj({"token": string("Shown in this answer only.")})]},
        body_schema=ref("ApiTokenCreate"), errors=(403,),
        description="The token acts with the owner's role, capped at `scope`; it is refused once expired, "
                    "revoked, or when its owner is deactivated or demoted.")},
    "revoke_api_token": {"delete": op(
        "Revoke an API token (admin): refused from its next request", "Administration", ok=ref("ApiToken"),
        errors=(403, 404))},
    # Administration
    "create_calendar": {"post": op("Create a business calendar (admin)", "Administration", status=201,
                                   ok=ref("Calendar"), body_schema=ref("CalendarInput"), errors=(403, 409))},
    "update_calendar": _update("Update a business calendar (admin)", "Administration", ok=ref("Calendar"),
                               body_schema=body(_calendar_fields, "Only the fields sent change."),
                               errors=(403, 404, 409)),
    "create_team": {"post": op("Create a team (admin)", "Administration", status=201, ok=ref("Team"),
                               body_schema=ref("TeamCreate"), errors=(403, 409))},
    "list_teams": {"get": op("The teams (staff)", "Administration", ok=obj({"items": array(ref("Team"))}),
                             errors=(403,))},
    "update_team": {"patch": op(
        "Change a team (admin)", "Administration", ok=ref("Team"), errors=(403, 404),
        body_schema=body({"name": string(maxLength=120), "calendar_id": integer(null=True),
                          "default_sla_policy_id": integer(null=True), "auto_assign": boolean(),
                          "member_ids": array(ID)}, "Only the fields sent change; bad ones come back as codes."),
        description="A new calendar, default policy or automatic assignment recomputes the team's open tickets. "
                    "Members taken out lose the team's live rooms at once (their sessions end).")},
    "create_policy": {"post": op("Create an SLA policy (admin)", "Administration", status=201,
                                 ok=ref("SlaPolicy"), body_schema=ref("SlaPolicyInput"), errors=(403,))},
    "update_policy": _update("Update an SLA policy (admin)", "Administration", ok=ref("SlaPolicy"),
                             body_schema=body(SCHEMAS["SlaPolicyInput"]["properties"], "Only the fields sent change."),
                             errors=(403, 404, 409)),
    "list_policies": {"get": op("The SLA policies in their order of evaluation (admin)", "Administration",
                                ok=obj({"items": array(ref("SlaPolicy"))}), errors=(403,))},
    "list_calendars": {"get": op("The business calendars (admin)", "Administration",
                                 ok=obj({"items": array(ref("Calendar"))}), errors=(403,))},
    "get_recompute": {"get": op(
        "How far a recompute of open tickets is (admin)", "Administration", ok=ref("Recompute"), errors=(403, 404),
        description="A policy, calendar or team change answers with its `recompute`; a queued one runs in the "
                    "background and this shows its progress.")},
    "get_survey_settings": {"get": op("Survey settings (admin)", "Surveys", ok=ref("SurveySettings"),
                                      errors=(403,))},
    "put_survey_settings": _update("Change survey settings (admin)", "Surveys", ok=ref("SurveySettings"),
                                   body_schema=ref("SurveySettingsUpdate"), errors=(403,)),
    # Mail
    "list_failed_mail": {"get": op(
        "Outgoing e-mails given up on (admin)", "Administration", ok=page_of(ref("OutgoingMail")), params=PAGE,
        errors=(400, 403), description="Newest first: MAIL_MAX_ATTEMPTS failures, or a permanent (5xx) refusal.")},
    "resend_mail": {"post": op(
        "Send a failed e-mail again (admin)", "Administration", ok=ref("OutgoingMail"), errors=(403, 404),
        description="Back in the queue with fresh attempts: the next delivery pass sends it.")},
    "list_quarantined_mail": {"get": op(
        "Incoming e-mails held in quarantine (admin)", "Administration", ok=page_of(ref("QuarantinedEmail")),
        params=PAGE, errors=(400, 403))},
    "reprocess_mail": {"post": op(
        "Run a quarantined e-mail through the inbound rules again (admin)", "Administration",
        ok=ref("QuarantinedEmail"), errors=(403, 404),
        description="Answers the e-mail as it is afterwards: processed, ignored, or still quarantined.")},
    # Surveys
    "get_survey": {"get": op(
        "A survey invitation, by its e-mailed token", "Surveys", auth="none", ok=ref("SurveyInvitation"),
        errors=(404, 410, 429), params=[query("csat", integer(minimum=1, maximum=5), "Preselect; records nothing.")],
        description="No login. Failed look-ups (404/410) are rate limited per address.")},
    "answer_survey": {"post": op(
        "Answer a survey", "Surveys", auth="none", status=201, ok=ref("SurveyResponse"),
        body_schema=ref("SurveyAnswer"), errors=(404, 410, 429),
        description="Once: a used token is 410 survey_used.")},
    "list_open_follow_ups": {"get": op(
        "Open service-recovery follow-ups (staff)", "Surveys", ok=page_of(ref("FollowUp")), errors=(400, 403),
        params=[query("state", string(enum=("open",), default="open"))])},
    "close_follow_up_api": {"post": op("Close a follow-up with its outcome", "Surveys", ok=ref("FollowUp"),
                                       body_schema=ref("FollowUpClose"), errors=(403, 404, 409))},
    # Reports
    "sla_report": {"get": op("SLA compliance per metric and priority", "Reports", errors=(400, 403), params=REPORT,
                             content={**json_content(ref("SlaReport")), **CSV})},
    "satisfaction_report": {"get": op("CSAT, NPS, effort and response counts", "Reports", errors=(400, 403),
                                      params=REPORT, content={**json_content(ref("SatisfactionReport")), **CSV})},
    "volume_report": {"get": op(
        "Tickets created and resolved per day and channel, by hour and weekday", "Reports", errors=(400, 403),
        params=[*REPORT, query("table", string(enum=("days", "hours"), default="days"), "Which table the CSV is.")],
        content={**json_content(ref("VolumeReport")), **CSV})},
    "agents_report": {"get": op("Per agent: handled, response times, FCR, CSAT, promises", "Reports",
                                errors=(400, 403), params=REPORT,
                                content={**json_content(ref("AgentsReport")), **CSV})},
    "tickets_report": {"get": op("The period's tickets, one row each (always CSV, streamed)", "Reports",
                                 errors=(400, 403), params=REPORT, content=CSV)},
    "missing_articles_report": {"get": op(
        "Searches that found nothing or were not followed, by demand", "Reports", errors=(400, 403),
        params=[param("report_range"), param("report_from"), param("report_to"),
                query("lang", string(enum=("fr", "en", "all"))), query("source", string(enum=SEARCH_SOURCES)),
                query("limit", integer(minimum=1, maximum=200, default=50)), param("report_format")],
        content={**json_content(ref("MissingArticlesReport")), **CSV})},
}

TAGS = [
    {"name": "Auth"}, {"name": "Tickets"}, {"name": "Customers"}, {"name": "Knowledge base"},
    {"name": "Telephony", "description": "The CTI webhook: its own secret, not a user token."},
    {"name": "Products", "description": "The catalogue customers' products come from: staff read it, admins change it."},
    {"name": "Administration"}, {"name": "Surveys"}, {"name": "Reports", "description": (
        "Leads and admins. Same figures as the report pages; Accept: text/csv or ?format=csv for the table.")},
    {"name": "Meta"},
]
