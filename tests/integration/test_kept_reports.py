"""Reports long to compute are kept for a few minutes: served again with the time they were
computed, dropped by "Recalculer", computed again in the background while a lead looks at them;
cheap ones and today's are always live. Here every report counts as long (REPORT_KEEP_AFTER_MS 0)
unless a test says otherwise."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD
from tests.forms import post_form
from tests.integration.test_reports import WEEK, _login, api, at, bearer, week  # noqa: F401 (the fixture)


@pytest.fixture()
def keeping(app):
    app.config.update(REPORT_KEEP_AFTER_MS=0, REPORT_KEEP_MINUTES=10, REPORT_KEEP_WARM_MINUTES=60)
    return app


def add_met_first_response(app, week):
    """One more ticket of the week, its first response met: the SLA report's met count goes up by one."""
    from helpdesk.extensions import db
    from helpdesk.models import SlaClock, Ticket

    with app.app_context():
        ticket = Ticket(subject="Arrivé après le premier calcul", status="open", channel="email",
                        created_at=at(4, 9), updated_at=at(4, 9), team_id=week["support"])
        db.session.add(ticket)
        db.session.flush()
        db.session.add(SlaClock(ticket_id=ticket.id, metric="first_response", state="met", elapsed_seconds=60,
                                started_at=at(4, 9), stopped_at=at(4, 10), target_seconds=3600))
        db.session.commit()


def met(client, week) -> int:
    return api(client, week, "sla")["metrics"]["first_response"]["met"]


def test_a_long_report_is_served_again_from_what_was_kept_with_its_time(client, keeping, week):
    first = api(client, week, "sla")
    assert first["kept"] is True and first["metrics"]["first_response"]["met"] == 4
    add_met_first_response(keeping, week)
    again = api(client, week, "sla")
    assert again["metrics"] == first["metrics"] and again["computed_at"] == first["computed_at"]
    # The page reads the same kept figures, and says when they were computed.
    _login(client, "lead@example.com")
    html = client.get(f"/lead/reports?view=sla&{WEEK}").get_data(as_text=True)
    assert "Chiffres calculés à" in html and "Recalculer maintenant" in html
    assert 'data-metric="first_response"><th scope="row">Première réponse</th><td class="num">4<' in html


def test_kept_figures_come_back_as_the_same_report_on_page_api_and_csv(client, keeping, week):
    _login(client, "lead@example.com")
    for view in ("sla", "volume", "satisfaction", "agents"):
        computed = client.get(f"/lead/reports?view={view}&{WEEK}").get_data(as_text=True)
        kept = client.get(f"/lead/reports?view={view}&{WEEK}").get_data(as_text=True)
        assert _figures_only(kept) == _figures_only(computed), view
    for path in ("sla", "volume", "satisfaction", "agents"):
        live = client.get(f"/api/v1/reports/{path}?{WEEK}", headers=bearer(week["lead_token"])).get_json()
        assert live["kept"] is True
        csv_text = client.get(f"/lead/reports/{'hours' if path == 'volume' else path}.csv?{WEEK}").get_data(as_text=True)
        assert csv_text.startswith("\ufeff")
    agents = api(client, week, "agents")["items"]
    alice = next(a for a in agents if a["name"] == "Alice Agent")
    assert alice["promises"] == {"kept": 2, "broken": 1, "kept_percent": 66.7}
    assert alice["first_response"]["median_seconds"] is not None


def _figures_only(html: str) -> str:
    start = html.index('<nav class="tabs report-tabs"')
    kept = html.find('<form class="kept-figures')
    if kept != -1:
        html = html[:kept] + html[html.index("</form>", kept) + len("</form>"):]
    return html[start:]


def test_recompute_drops_the_kept_figures_with_csrf_on(client, keeping, week):
    keeping.config["WTF_CSRF_ENABLED"] = True
    assert met(client, week) == 4
    add_met_first_response(keeping, week)
    assert post_form(client, "/login", {"email": "lead@example.com", "password": PASSWORD}).status_code == 302
    page = f"/lead/reports?view=sla&{WEEK}"
    refused = client.post("/lead/reports/recompute", data={"view": "sla", "range": "custom", "from": "2026-03-02",
                                                          "to": "2026-03-08"})
    assert refused.status_code == 400 and met(client, week) == 4  # no token: nothing dropped
    response = post_form(client, "/lead/reports/recompute", {"view": "sla", "range": "custom", "from": "2026-03-02",
                                                             "to": "2026-03-08"}, page=page)
    assert response.status_code == 303 and "view=sla" in response.location and "from=2026-03-02" in response.location
    assert met(client, week) == 5


def test_only_leads_may_recompute(client, keeping, week):
    met(client, week)
    add_met_first_response(keeping, week)
    browser = keeping.test_client()
    _login(browser, "alice@example.com")
    response = browser.post("/lead/reports/recompute", data={"view": "sla", "range": "custom", "from": "2026-03-02",
                                                            "to": "2026-03-08"})
    assert response.status_code == 403
    assert met(client, week) == 4


def test_a_cheap_report_is_never_kept(client, app, week):
    app.config["REPORT_KEEP_AFTER_MS"] = 60_000
    first = api(client, week, "sla")
    assert first["kept"] is False and first["metrics"]["first_response"]["met"] == 4
    add_met_first_response(app, week)
    assert met(client, week) == 5
    _login(client, "lead@example.com")
    assert "Chiffres calculés à" not in client.get(f"/lead/reports?view=sla&{WEEK}").get_data(as_text=True)


def test_one_day_is_never_kept(client, keeping, week):
    one_day = "range=custom&from=2026-03-04&to=2026-03-04"
    assert api(client, week, "sla", one_day)["kept"] is False
    add_met_first_response(keeping, week)
    assert api(client, week, "sla", one_day)["metrics"]["first_response"]["met"] == 2


def test_the_range_name_and_the_same_days_chosen_by_hand_are_one_kept_report(client, keeping, week):
    from helpdesk.extensions import db
    from helpdesk.models import KeptReport, utcnow

    api(client, week, "sla", "range=7d")
    with keeping.app_context():
        assert db.session.query(KeptReport).count() == 1
        day = utcnow().astimezone(ZoneInfo("Europe/Paris")).date()
    api(client, week, "sla", f"range=custom&from={day - timedelta(days=6)}&to={day}")
    with keeping.app_context():
        assert db.session.query(KeptReport).count() == 1


def test_changing_the_first_contact_rule_is_not_served_from_kept_figures(client, keeping, week):
    from helpdesk import settings as stored_settings
    from helpdesk.extensions import db
    from helpdesk.models import utcnow
    from helpdesk.reports.fcr import SETTINGS_KEY, FcrSettings

    before = api(client, week, "sla")["first_contact_resolution"]
    with keeping.app_context():
        stored_settings.save(db.session, SETTINGS_KEY, FcrSettings(max_agent_replies=3, repeat_days=7), utcnow())
        db.session.commit()
    after = api(client, week, "sla")["first_contact_resolution"]
    assert after["first_contact"] == before["first_contact"] + 1  # t2 (3 replies) now counts


def test_the_background_computes_again_what_leads_look_at(client, keeping, week):
    from helpdesk.extensions import db
    from helpdesk.models import KeptReport, utcnow
    from helpdesk.reports.kept import KeepRules, refresh_due

    assert met(client, week) == 4
    add_met_first_response(keeping, week)
    rules = KeepRules.from_config(keeping.config)
    with keeping.app_context():
        now = utcnow()
        assert refresh_due(db.session, lambda: now + timedelta(minutes=1), rules) == 0  # still fresh
        assert refresh_due(db.session, lambda: now + timedelta(minutes=6), rules) == 1
        row = db.session.query(KeptReport).one()
        assert row.computed_at >= now + timedelta(minutes=6)
    # Recomputed ahead of time, so still fresh for the lead: the new ticket is counted without a wait.
    assert met(client, week) == 5


def test_reports_nobody_looks_at_are_not_computed_again_then_forgotten(client, keeping, week):
    from helpdesk.extensions import db
    from helpdesk.models import KeptReport, utcnow
    from helpdesk.reports.kept import KeepRules, refresh_due

    met(client, week)
    rules = KeepRules.from_config(keeping.config)
    with keeping.app_context():
        now = utcnow()
        assert refresh_due(db.session, lambda: now + timedelta(hours=2), rules) == 0
        assert db.session.query(KeptReport).count() == 1
        refresh_due(db.session, lambda: now + timedelta(days=8), rules)
        assert db.session.query(KeptReport).count() == 0


def test_the_presets_are_kept_warm_before_anyone_looks(client, keeping, week):
    from helpdesk.extensions import db
    from helpdesk.models import KeptReport, utcnow
    from helpdesk.reports.kept import KeepRules, warm_presets

    rules, warmed = KeepRules.from_config(keeping.config), {}
    with keeping.app_context():
        now = utcnow()
        presets = _presets_longer_than_a_day(now) * 4  # every report, 30 days and (but on its 1st day) the quarter
        assert warm_presets(db.session, lambda: now, rules, "Europe/Paris", warmed) == presets
        assert db.session.query(KeptReport).count() == presets
        assert warm_presets(db.session, lambda: now + timedelta(minutes=4), rules, "Europe/Paris", warmed) == 0
    first = api(client, week, "sla", "range=30d")
    assert first["kept"] is True and first["computed_at"] == now.isoformat()  # served from the warm one
    with keeping.app_context():
        assert warm_presets(db.session, lambda: now + timedelta(minutes=5), rules, "Europe/Paris", warmed) == presets


def _presets_longer_than_a_day(now) -> int:
    day = now.astimezone(ZoneInfo("Europe/Paris")).date()
    return 1 + (day.day != 1 or day.month not in (1, 4, 7, 10))


def test_cheap_presets_are_not_recomputed_every_pass(client, app, week):
    from helpdesk.extensions import db
    from helpdesk.models import KeptReport, utcnow
    from helpdesk.reports.kept import KeepRules, warm_presets

    app.config["REPORT_KEEP_AFTER_MS"] = 60_000
    rules, warmed = KeepRules.from_config(app.config), {}
    with app.app_context():
        now = utcnow()
        expected = _presets_longer_than_a_day(now) * 4
        assert warm_presets(db.session, lambda: now, rules, "Europe/Paris", warmed) == expected
        assert db.session.query(KeptReport).count() == 0  # cheap: computed, not kept
        assert warm_presets(db.session, lambda: now + timedelta(seconds=30), rules, "Europe/Paris", warmed) == 0
