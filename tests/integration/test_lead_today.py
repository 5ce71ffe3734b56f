"""The lead dashboard's "today" panel: tickets created and resolved, the median first response and SLA
compliance so far, the same figures as the reports' API for range=today, and no dearer with more tickets."""
import re
from datetime import datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from helpdesk.models import SlaClock, utcnow
from tests.conftest import counted_get

PARIS = ZoneInfo("Europe/Paris")  # TestingConfig's display zone, the reports' default


def today_started(now: datetime) -> datetime:
    """Local midnight of today, in UTC: the report period "today" starts there."""
    return datetime.combine(now.astimezone(PARIS).date(), time(), PARIS).astimezone(now.tzinfo)


@pytest.fixture()
def people(factory, auth):
    factory.user("lead", email="lead@example.com", name="Lou Lead")
    factory.user("agent", email="alice@example.com", name="Alice")
    return {"lead_token": auth.token("lead@example.com")}


def add_tickets(app, factory, count: int, *, first_response_state=lambda i: "met", resolved=lambda i: i % 2 == 0):
    """`count` tickets created today (between local midnight and now), each with a first-response clock
    of 300 x (i + 1) business seconds and a resolution clock; every other one resolved. Returns their specs."""
    from helpdesk.extensions import db

    now = utcnow()
    start = today_started(now)
    step = (now - start) / (count + 1)
    specs = []
    for i in range(count):
        created = start + step * (i + 1)
        done = resolved(i)
        ticket_id = factory.ticket(subject=f"Aujourd'hui {i}", created_at=created, updated_at=created,
                                   status="resolved" if done else "open", resolved_at=now if done else None)
        specs.append({"id": ticket_id, "created": created, "resolved": done, "first_response": 300 * (i + 1),
                      "first_response_state": first_response_state(i),
                      "resolution_state": "met" if done else "running"})
    with app.app_context():
        for spec in specs:
            db.session.add_all([
                SlaClock(ticket_id=spec["id"], metric="first_response", state=spec["first_response_state"],
                         started_at=spec["created"], stopped_at=spec["created"] + timedelta(minutes=5),
                         elapsed_seconds=spec["first_response"], target_seconds=3600),
                SlaClock(ticket_id=spec["id"], metric="resolution", state=spec["resolution_state"],
                         started_at=spec["created"], stopped_at=now if spec["resolved"] else None,
                         elapsed_seconds=600, target_seconds=36000),
            ])
        db.session.commit()
    return specs


def add_yesterday(app, factory):
    """Two tickets of yesterday with their clocks: one resolved yesterday, one resolved today."""
    from helpdesk.extensions import db

    now = utcnow()
    start = today_started(now)
    made = []
    for hours_before, resolved_at in ((5, start - timedelta(hours=1)), (3, start + (now - start) / 2)):
        created = start - timedelta(hours=hours_before)
        made.append((factory.ticket(subject="Hier", created_at=created, updated_at=created, status="resolved",
                                    resolved_at=resolved_at), created))
    with app.app_context():
        for ticket_id, created in made:
            db.session.add_all([
                SlaClock(ticket_id=ticket_id, metric=metric, state="breached", started_at=created,
                         stopped_at=created + timedelta(hours=2), elapsed_seconds=99999, target_seconds=3600)
                for metric in ("first_response", "resolution")])
        db.session.commit()


def panel(page: str) -> str:
    return re.search(r'<section class="card" id="today".*?</section>', page, re.S).group(0)


def figure(section: str, name: str) -> str:
    return re.search(rf'<dd data-figure="{name}"><a href="([^"]+)">([^<]*)</a>', section).group(2)


def row(section: str, metric: str) -> str:
    return re.search(rf'<tr data-metric="{metric}">.*?</tr>', section, re.S).group(0)


def api(client, people, path):
    response = client.get(f"/api/v1/reports/{path}?range=today",
                          headers={"Authorization": f"Bearer {people['lead_token']}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_panel_says_what_the_reports_say_for_today(app, client, factory, auth, people):
    from helpdesk.extensions import db
    from helpdesk.lead.formatting import business_duration
    from helpdesk.lead.service import today_figures

    specs = add_tickets(app, factory, 5, first_response_state=lambda i: "breached" if i == 4 else "met")
    add_yesterday(app, factory)
    auth.login("lead@example.com")
    section = panel(client.get("/lead/panels").get_data(as_text=True))
    sla, volume = api(client, people, "sla"), api(client, people, "volume")

    # Counted from the rows made above: yesterday's tickets are not today's, but one was resolved today.
    created, resolved = len(specs), sum(s["resolved"] for s in specs) + 1
    first_met = sum(s["first_response_state"] == "met" for s in specs)
    resolution_met = sum(s["resolution_state"] == "met" for s in specs)
    first_median = median(s["first_response"] for s in specs)
    assert (created, resolved, first_met, resolution_met, first_median) == (5, 4, 4, 3, 900)

    assert volume["created"]["total"] == created and volume["resolved"]["total"] == resolved
    assert sla["times"]["first_response"]["median_seconds"] == first_median
    assert sla["metrics"]["first_response"] == {"met": first_met, "breached": 1, "pending": 0, "compliance": 80.0}
    assert sla["metrics"]["resolution"] == {"met": resolution_met, "breached": 0, "pending": 2, "compliance": 100.0}

    with app.app_context():
        figures = today_figures(db.session, utcnow())
    assert (figures.created, figures.resolved) == (created, resolved)
    assert figures.first_response.median == first_median and figures.first_response.count == created
    for metric, counts in figures.compliance.items():
        assert {"met": counts.met, "breached": counts.breached, "pending": counts.pending,
                "compliance": counts.compliance} == sla["metrics"][metric]

    assert figure(section, "created") == "5" and figure(section, "resolved") == "4"
    assert figure(section, "first-response-median") == business_duration(first_median) == "15 min"
    first, resolution = row(section, "first_response"), row(section, "resolution")
    assert "<td class=\"num\" data-met>4</td>" in first and "<td class=\"num\" data-breached>1</td>" in first
    assert "80,0 %" in first and "100,0 %" in resolution


def test_each_figure_links_to_its_report_for_today(client, factory, auth, people):
    auth.login("lead@example.com")
    section = panel(client.get("/lead").get_data(as_text=True))
    links = re.findall(r'<a href="([^"]+)"', section)
    assert "/lead/reports?view=volume&amp;range=today#report-volume" in links  # created, resolved
    assert "/lead/reports?view=sla&amp;range=today#report-times" in links  # median first response
    assert "/lead/reports?view=sla&amp;range=today#report-sla" in links  # compliance
    assert re.search(r'<a href="/lead/reports\?range=today">Rapports', section)
    english = panel(client.get("/lead/panels?lang=en").get_data(as_text=True))
    assert "Tickets created" in english and "Compliance rate" in english


def test_the_panel_costs_the_same_statements_for_3_or_30_tickets(app, client, factory, auth, people):
    auth.login("lead@example.com")
    add_tickets(app, factory, 3)
    client.get("/lead/panels")
    few, _ = counted_get(app, client, "/lead/panels")
    add_tickets(app, factory, 27)
    many, response = counted_get(app, client, "/lead/panels")
    assert figure(panel(response.get_data(as_text=True)), "created") == "30"
    assert many == few


def test_agents_do_not_see_the_panel(client, auth, people):
    auth.login("alice@example.com")
    assert client.get("/lead/panels").status_code == 403
