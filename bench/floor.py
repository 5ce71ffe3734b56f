"""How fast ticket creation could be on this machine: the floor under `api ticket create`.

    .venv/bin/python -m bench.floor [--tickets 100000] [--n 500] [--rounds 2]

Times three POST endpoints of the same app, in process through Flask's test client, in turns:

- `empty`: parses the JSON body and answers a small JSON object (Flask's own cost);
- `core-only creation`: a reference endpoint registered here, NOT the app's: the same reads and
  writes as a ticket creation (token lookup, customer read, Markdown + nh3, SLA plan from the
  cached context, INSERTs of the ticket, its number, first message, clocks and event, customer
  UPDATE, commit) as SQLAlchemy Core statements, without the ORM, without team/tag/assignee/
  product validation, round-robin, live events, search journal, and with a small response;
- `POST /api/v1/tickets`: the app's creation.

The data set is the one `python -m bench` made (bench/.data/<tickets>); both creations add
tickets to it. Search indexing is off here (as with a `flask kb worker` beside the app, but
without its load on the other core). Figures, not pass/fail.
"""
from __future__ import annotations

import json
import os
import time
from types import SimpleNamespace

from bench.dataset import floor_arguments
from bench.scenarios import build_context, create_payload, make_app


def _register_reference_endpoints(app) -> None:
    from flask import request
    from sqlalchemy import insert, select, update

    from helpdesk.auth.service import hash_token
    from helpdesk.extensions import db
    from helpdesk.models import ApiToken, Customer, Message, SlaClock, Ticket, TicketEvent, User, utcnow
    from helpdesk.sla.service import TICKET_SLA_COLUMNS, clock_rows, plan_new_ticket
    from helpdesk.text import render_markdown
    from helpdesk.tickets import lifecycle
    from helpdesk.tickets.service import NUMBER_OFFSET

    tickets, messages, events, customers, users, tokens, clocks_table = (
        model.__table__ for model in (Ticket, Message, TicketEvent, Customer, User, ApiToken, SlaClock))

    @app.post("/_floor/empty")
    def floor_empty():
        json.loads(request.get_data(as_text=True))
        return {"ok": True}, 201

    @app.post("/_floor/core-create")
    def floor_core_create():
        conn = db.session.connection()
        now = utcnow()
        token = request.headers["Authorization"].partition(" ")[2]
        actor = conn.execute(
            select(tokens.c.user_id, tokens.c.revoked_at, tokens.c.expires_at, users.c.active)
            .join(users, users.c.id == tokens.c.user_id).where(tokens.c.token_hash == hash_token(token))).first()
        if actor is None or not actor.active or actor.revoked_at is not None:
            return {"error": {"code": "invalid_token"}}, 401
        data = json.loads(request.get_data(as_text=True))
        subject, body = data["subject"].strip(), data["body"]
        customer = conn.execute(select(customers.c.id, customers.c.segment, customers.c.tactical_segment,
                                       customers.c.customer_score)
                                .where(customers.c.id == data["customer_id"])).first()
        html = render_markdown(body)
        draft = SimpleNamespace(customer=SimpleNamespace(segment=customer.segment, tactical_segment=customer.tactical_segment,
                                                         customer_score=customer.customer_score), team=None, team_id=None,
                                created_at=now, updated_at=now, status="new", priority=data["priority"],
                                type="question", **dict.fromkeys(TICKET_SLA_COLUMNS))
        clocks = plan_new_ticket(db.session, draft, now)
        ticket_id = conn.execute(insert(tickets).returning(tickets.c.id), {
            "subject": subject, "customer_id": customer.id, "channel": data.get("channel", "api"), "status": "new",
            "priority": data["priority"], "type": "question", "created_at": now, "updated_at": now, "version": 1,
            **{name: getattr(draft, name) for name in TICKET_SLA_COLUMNS}}).scalar_one()
        conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(number=NUMBER_OFFSET + ticket_id))
        conn.execute(insert(messages), {
            "ticket_id": ticket_id, "author_id": actor.user_id, "kind": "reply", "from_customer": True,
            "body": html, "body_source": body, "channel": "api", "created_at": now})
        conn.execute(update(customers).where(customers.c.id == customer.id).values(last_contact_at=now, updated_at=now))
        conn.execute(insert(clocks_table), clock_rows(ticket_id, clocks, now))
        conn.execute(insert(events), [{"ticket_id": ticket_id, **lifecycle.event_values(
            actor.user_id, "created", now, None, None, None, {"channel": "api"})}])
        db.session.commit()
        return {"id": ticket_id, "number": NUMBER_OFFSET + ticket_id, "subject": subject, "status": "new",
                "sla_due_at": draft.sla_due_at.isoformat() if draft.sla_due_at else None}, 201


def main(argv=None) -> int:
    args, instance = floor_arguments(argv, prog="python -m bench.floor", doc=__doc__, tickets=100_000, n=500)

    app = make_app(str(instance), None)
    app.config["KB_INDEX_ON_COMMIT"] = False
    _register_reference_endpoints(app)
    ctx = build_context(app)
    endpoints = (("empty", "/_floor/empty"), ("core-only creation", "/_floor/core-create"),
                 ("POST /api/v1/tickets (the app)", "/api/v1/tickets"))
    per_second: dict[str, list[float]] = {name: [] for name, _ in endpoints}
    counter = 0
    for _round in range(args.rounds):
        for name, url in endpoints:
            def post(i, url=url):
                response = ctx.client.post(url, json=create_payload(ctx, i), headers=ctx.api_headers)
                if response.status_code != 201:
                    raise AssertionError(f"{url}: {response.status_code} {response.get_data(as_text=True)[:300]}")
            for _ in range(20):
                counter += 1
                post(counter)
            started = time.perf_counter()
            for _ in range(args.n):
                counter += 1
                post(counter)
            per_second[name].append(args.n / (time.perf_counter() - started))
    print(f"\nTicket creation floor ({args.tickets} tickets, SQLite, in process, n={args.n} x {args.rounds} rounds; "
          f"load avg {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
    print(f"{'endpoint':34} {'/s (each round)':>24} {'ms per request':>15}")
    for name, rates in per_second.items():
        best = max(rates)
        print(f"{name:34} {' '.join(f'{r:7.1f}' for r in rates):>24} {1000 / best:15.2f}")
    print(json.dumps({"floor": per_second, "n": args.n, "tickets": args.tickets}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
