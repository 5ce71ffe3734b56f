"""What the agent's ticket page is made of: the floor under `ticket page`.

    .venv/bin/python -m bench.page_floor [--tickets 1000000] [--n 300] [--rounds 2]

Times, in process through Flask's test client and signed in as the bench agent, in turns:

- `signed in, nothing else`: a reference endpoint registered here, NOT the app's: the session, the
  user's load and Flask's own cost;
- `base.html, empty content`: a reference endpoint rendering the layout every console page has
  (navigation, availability, live scripts) around an empty block;
- `GET /api/v1/tickets/<id>`: the API's read of a ticket (JSON, its messages included);
- `GET /console/customers/<id>/card`: the caller's card as the console fetches it (HTML fragment);
- `GET /console/tickets/<id>`: the ticket page itself.

The ids are the open tickets and customers `python -m bench` samples. Figures, not pass/fail: they
say how much of the page a faster template or a page filled from the API could save.
"""
from __future__ import annotations

import json
import os
import statistics
import time

from bench.dataset import floor_arguments
from bench.scenarios import build_context, make_app


def _register_reference_endpoints(app) -> None:
    from flask import render_template_string
    from flask_login import login_required

    @app.get("/_floor/signed-in")
    @login_required
    def _signed_in():
        return "ok"

    @app.get("/_floor/base")
    @login_required
    def _base():
        return render_template_string('{% extends "base.html" %}{% block content %}{% endblock %}')


def main(argv=None) -> int:
    args, instance = floor_arguments(argv, prog="python -m bench.page_floor", doc=__doc__, tickets=1_000_000, n=300)

    app = make_app(str(instance), None)
    _register_reference_endpoints(app)
    ctx = build_context(app)
    tickets, customers = ctx.open_ids, ctx.customer_ids
    endpoints = (
        ("signed in, nothing else", lambda i: "/_floor/signed-in", None),
        ("base.html, empty content", lambda i: "/_floor/base", None),
        ("GET /api/v1/tickets/<id>", lambda i: f"/api/v1/tickets/{tickets[i % len(tickets)]}", ctx.api_headers),
        ("GET /console/customers/<id>/card",
         lambda i: f"/console/customers/{customers[i % len(customers)]}/card", None),
        ("GET /console/tickets/<id>", lambda i: f"/console/tickets/{tickets[i % len(tickets)]}", None),
    )
    p50s: dict[str, list[float]] = {name: [] for name, _, _ in endpoints}
    for _round in range(args.rounds):
        for name, url, headers in endpoints:
            def get(i, url=url, headers=headers):
                response = ctx.client.get(url(i), headers=headers)
                if response.status_code != 200:
                    raise AssertionError(f"{url(i)}: {response.status_code} {response.get_data(as_text=True)[:300]}")
            for i in range(20):
                get(i)
            times = []
            for i in range(args.n):
                started = time.perf_counter()
                get(i)
                times.append((time.perf_counter() - started) * 1000)
            p50s[name].append(statistics.median(times))
    print(f"\nTicket page floor ({args.tickets} tickets, SQLite, in process, n={args.n} x {args.rounds} rounds; "
          f"load avg {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
    print(f"{'endpoint':34} {'p50 ms (each round)':>24}")
    for name, values in p50s.items():
        print(f"{name:34} {' '.join(f'{v:7.2f}' for v in values):>24}")
    print(json.dumps({"page_floor_p50_ms": p50s, "n": args.n, "tickets": args.tickets}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
