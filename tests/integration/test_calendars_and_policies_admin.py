"""Business calendars and SLA policies as admins set them up in the browser (CSRF on): the week's
hours one row per day with split days, holidays, closed days and exceptional openings, the preview
of a ticket created now; policies with conditions, targets, escalations, their order and on/off.
Bad input is worded next to its field with what was typed kept, and changes nothing; non-admins
are refused; changes are audited and open tickets follow them."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, BusinessCalendar, SLAPolicy, SlaRecompute, Team
from tests.conftest import PASSWORD
from tests.forms import post_form

KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


def _browser(app, email):
    from helpdesk import create_app

    browser = create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS}).test_client()
    assert post_form(browser, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return browser


@pytest.fixture()
def admin(app, factory):
    factory.user("admin", email="root@example.com", name="Rose Root")
    return _browser(app, "root@example.com")


def _week(**days):
    """Form fields for the hours editor: _week(mon=[("09:00", "12:00"), ("14:00", "18:00")], ...)."""
    fields = {f"{d}_{s}_{edge}": "" for d in DAYS for s in range(3) for edge in ("start", "end")}
    for day, intervals in days.items():
        for slot, (start, end) in enumerate(intervals):
            fields[f"{day}_{slot}_start"], fields[f"{day}_{slot}_end"] = start, end
    return fields


SPLIT = [("09:00", "12:30"), ("13:30", "18:00")]
OFFICE = _week(mon=SPLIT, tue=SPLIT, wed=SPLIT, thu=SPLIT, fri=SPLIT, sat=[("09:00", "12:00")])


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_an_admin_builds_a_calendar_with_split_days_a_holiday_and_a_saturday_morning(app, admin):
    response = post_form(admin, "/admin/calendars/new", {
        "action": "save", "name": "Hotline Lyon", "timezone": "Europe/Paris", "holidays_country": "FR",
        "holidays_subdivision": "", "closed_days": "24/12/2026\n2026-12-31", "openings": "2026-12-20 10:00-12:00",
        **OFFICE})
    assert response.status_code == 302, _page(response)
    with app.app_context():
        calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == "Hotline Lyon"))
        assert calendar.hours["mon"] == [["09:00", "12:30"], ["13:30", "18:00"]]
        assert calendar.hours["sat"] == [["09:00", "12:00"]] and "sun" not in calendar.hours
        assert calendar.closed_days == ["2026-12-24", "2026-12-31"]
        assert calendar.openings == {"2026-12-20": [["10:00", "12:00"]]}
        assert calendar.holidays_country == "FR"
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "calendar"))
        assert entry.actor_name == "Rose Root" and entry.action == "created"
    shown = _page(admin.get(response.headers["Location"]))
    # The form shows what is stored, and the preview the closed days ahead, holidays named.
    assert 'value="13:30"' in shown and "2026-12-20 10:00-12:00" in shown
    assert "Aperçu : un ticket créé maintenant" in shown


def test_the_preview_shows_each_policys_deadline_without_saving(app, admin):
    from babel.dates import format_date

    from helpdesk.models import utcnow

    with app.app_context():
        db.session.add(SLAPolicy(name="Standard", rank=10, conditions={}, first_response_minutes=60))
        db.session.commit()
    closed = (utcnow() + timedelta(days=10)).date()
    round_the_clock = _week(**{d: [("00:00", "24:00")] for d in DAYS})
    response = post_form(admin, "/admin/calendars/new", {
        "action": "preview", "name": "Essai", "timezone": "UTC", "holidays_country": "",
        "holidays_subdivision": "", "closed_days": closed.isoformat(), "openings": "", **round_the_clock},
        page="/admin/calendars/new")
    assert response.status_code == 200
    shown = _page(response)
    # Open round the clock: the first response of a ticket created now is due in an hour.
    row = re.search(r"<td>Standard</td>\s*<td>[^<]*</td>\s*<td>([^<]+)</td>", shown)
    due = utcnow() + timedelta(hours=1)
    assert row is not None
    assert row.group(1)[-5:] in {f"{due:%H:%M}", f"{due + timedelta(minutes=1):%H:%M}"}
    # The closed day typed is listed among the closed days ahead.
    assert f"{format_date(closed, 'EEE d MMM y', locale='fr')} — jour fermé" in shown
    with app.app_context():
        assert db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == "Essai")) is None


def test_bad_calendar_input_is_worded_next_to_its_field_and_kept(app, admin):
    response = post_form(admin, "/admin/calendars/new", {
        "action": "save", "name": "Bancal", "timezone": "Mars/Olympus", "holidays_country": "FR",
        "holidays_subdivision": "99", "closed_days": "31/02/2026", "openings": "2026-12-20 12:00-10:00",
        **_week(mon=[("18:00", "09:00")], tue=[("09:00", "12:00"), ("11:00", "13:00")])})
    assert response.status_code == 400
    shown = _page(response)
    assert "Fuseau horaire inconnu" in shown and 'value="Mars/Olympus"' in shown
    assert "Lundi : La fin d'une plage doit suivre son début." in shown
    assert "Mardi : Deux plages se chevauchent." in shown
    assert "Région inconnue pour ce pays" in shown
    assert "2026-12-20 : La fin d'une plage doit suivre son début." in shown
    assert "Date invalide" in shown and "31/02/2026" in shown
    with app.app_context():
        assert db.session.query(BusinessCalendar).count() == 0
        assert db.session.query(AuditEvent).filter(AuditEvent.object_type == "calendar").count() == 0
    never = post_form(admin, "/admin/calendars/new", {"action": "save", "name": "Jamais", "timezone": "UTC",
                                                       "holidays_country": "", "closed_days": "", "openings": "",
                                                       **_week()})
    assert never.status_code == 400 and "Ce calendrier n'ouvre jamais" in _page(never)


def test_changing_a_calendar_recomputes_its_open_tickets_and_says_so(app, admin, client, factory, auth):
    with app.app_context():
        calendar = BusinessCalendar(name="Bureau", timezone="UTC", hours={d: [["00:00", "24:00"]] for d in DAYS})
        db.session.add(calendar)
        db.session.flush()
        db.session.add(SLAPolicy(name="Tous", rank=10, conditions={}, calendar_id=calendar.id, first_response_minutes=60))
        db.session.commit()
        calendar_id = calendar.id
    headers = {"Authorization": f"Bearer {auth.token('root@example.com')}"}
    ticket = client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x"}, headers=headers).get_json()
    form = {"action": "save", "name": "Bureau", "timezone": "UTC", "holidays_country": "", "holidays_subdivision": "",
            "closed_days": "", "openings": "", **_week(**{d: [("08:00", "09:00")] for d in DAYS})}
    response = post_form(admin, f"/admin/calendars/{calendar_id}", form)
    assert response.status_code == 302
    assert "Délais recalculés pour 1 tickets ouverts." in _page(admin.get(response.headers["Location"]))
    due = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).get_json()["sla"]["first_response"]["due_at"]
    # One open hour a day (08:00-09:00 UTC): due at 09:00 UTC at the latest, on some day.
    assert datetime.fromisoformat(due).astimezone(timezone.utc).strftime("%H:%M") <= "09:00"
    # Many tickets: the recompute goes to the background and the page shows its progress.
    admin.application.config["SLA_RECOMPUTE_INLINE"] = 0
    form.update(_week(**{d: [("08:00", "10:00")] for d in DAYS}))
    response = post_form(admin, f"/admin/calendars/{calendar_id}", form)
    assert response.status_code == 302, _page(response)
    shown = _page(admin.get(response.headers["Location"]))
    assert "sont recalculés en arrière-plan" in shown and "data-recompute=" in shown and "<progress" in shown
    with app.app_context():
        assert db.session.scalar(select(SlaRecompute.state).order_by(SlaRecompute.id.desc()).limit(1)) == "queued"


def _policy_form(**overrides):
    form = {"name": "Meilleurs clients", "active": "y", "calendar_id": "None", "tactical_segment": ["best"],
            "priority": ["high", "urgent"], "min_score": "", "first_response_minutes": "30",
            "next_response_minutes": "", "resolution_minutes": "240", "warn_at_percent": "75",
            "pause_statuses": ["pending_customer"],
            "esc_0_on": "breached", "esc_0_metric": "first_response", "esc_0_action": "notify", "esc_0_team": "",
            "esc_0_to": "leads",
            "esc_1_on": "warning", "esc_1_metric": "any", "esc_1_action": "", "esc_1_team": "", "esc_1_to": "",
            "esc_2_on": "warning", "esc_2_metric": "any", "esc_2_action": "", "esc_2_team": "", "esc_2_to": ""}
    form.update(overrides)
    return form


def test_an_admin_writes_a_policy_for_best_customers(app, admin):
    response = post_form(admin, "/admin/sla-policies/new", _policy_form())
    assert response.status_code == 302, _page(response)
    with app.app_context():
        policy = db.session.scalar(select(SLAPolicy).where(SLAPolicy.name == "Meilleurs clients"))
        assert policy.conditions == {"tactical_segment": ["best"], "priority": ["high", "urgent"]}
        assert (policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes) == (30, None, 240)
        assert policy.warn_at_percent == 75 and policy.pause_statuses == ["pending_customer"]
        assert policy.escalations == [{"on": "breached", "metric": "first_response", "action": "notify", "to": "leads"}]
        assert policy.active is True
    shown = _page(admin.get(response.headers["Location"]))
    assert 'value="30"' in shown and "Politique Meilleurs clients créée" in shown


def test_bad_policy_input_is_worded_and_kept_and_changes_nothing(app, admin):
    response = post_form(admin, "/admin/sla-policies/new", _policy_form(
        name="", first_response_minutes="0", resolution_minutes="", min_score="150", warn_at_percent="100",
        esc_0_action="reassign", esc_0_to="987654"))
    assert response.status_code == 400
    shown = _page(response)
    assert "Ce champ est obligatoire." in shown
    assert "Indiquez un nombre entier de 0 à 100." in shown and 'value="150"' in shown  # the score, with its limits
    assert "Indiquez un nombre entier de 1 à 525600." in shown and 'value="0"' in shown  # the first response
    assert "Indiquez un nombre entier de 1 à 99." in shown  # the warning threshold
    assert "Escalade 1 : Personne inconnue" in shown
    with app.app_context():
        assert db.session.query(SLAPolicy).count() == 0
    none = post_form(admin, "/admin/sla-policies/new", _policy_form(first_response_minutes="", resolution_minutes=""))
    assert none.status_code == 400 and "Donnez au moins un délai." in _page(none)


def test_policies_move_up_and_down_and_switch_off_and_tickets_follow(app, admin, client, auth):
    headers = {"Authorization": f"Bearer {auth.token('root@example.com')}"}
    with app.app_context():
        first = SLAPolicy(name="Tous 60", rank=10, conditions={}, first_response_minutes=60)
        second = SLAPolicy(name="Tous 15", rank=20, conditions={}, first_response_minutes=15)
        db.session.add_all([first, second])
        db.session.commit()
        ids = (first.id, second.id)
    ticket = client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x"}, headers=headers).get_json()

    def policy_of_ticket():
        from helpdesk.models import Ticket

        with app.app_context():
            return db.session.get(Ticket, ticket["id"]).sla_policy_id

    assert policy_of_ticket() == ids[0]
    moved = post_form(admin, f"/admin/sla-policies/{ids[1]}/move", {"direction": "up"}, page="/admin/sla-policies")
    assert moved.status_code == 302
    with app.app_context():
        assert [p.name for p in db.session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank))] == ["Tous 15", "Tous 60"]
    assert policy_of_ticket() == ids[1]
    off = post_form(admin, f"/admin/sla-policies/{ids[1]}/active", {"active": "0"}, page="/admin/sla-policies")
    assert off.status_code == 302
    assert "Politique Tous 15 désactivée." in _page(admin.get(off.headers["Location"]))
    assert policy_of_ticket() == ids[0]
    with app.app_context():
        changes = [e.changes for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "sla_policy"))]
    assert {"active": [True, False]} in changes and {"rank": [20, 10]} in changes
    # Without the page's token, nothing moves.
    assert admin.post(f"/admin/sla-policies/{ids[0]}/move", data={"direction": "up"}).status_code in (302, 400)
    with app.app_context():
        assert [p.name for p in db.session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank))] == ["Tous 15", "Tous 60"]


def test_non_admins_cannot_reach_calendars_or_policies(app, factory, admin):
    with app.app_context():
        calendar = BusinessCalendar(name="Bureau", timezone="UTC", hours={"mon": [["09:00", "18:00"]]})
        policy = SLAPolicy(name="P", rank=10, conditions={}, first_response_minutes=60)
        db.session.add_all([calendar, policy])
        db.session.commit()
        calendar_id, policy_id = calendar.id, policy.id
    factory.user("lead", email="lead@example.com")
    lead = _browser(app, "lead@example.com")
    token = re.search(r'name="csrf-token" content="([^"]+)"', lead.get("/console").get_data(as_text=True)).group(1)
    for url in ("/admin/calendars", "/admin/calendars/new", f"/admin/calendars/{calendar_id}", "/admin/sla-policies",
                "/admin/sla-policies/new", f"/admin/sla-policies/{policy_id}"):
        assert lead.get(url).status_code == 403, url
    for url in (f"/admin/calendars/{calendar_id}", f"/admin/sla-policies/{policy_id}/move",
                f"/admin/sla-policies/{policy_id}/active", "/admin/sla-policies/new"):
        assert lead.post(url, data={"csrf_token": token, "name": "X", "direction": "down", "active": "0"}).status_code == 403
    with app.app_context():
        assert db.session.get(SLAPolicy, policy_id).active is True
        assert db.session.get(BusinessCalendar, calendar_id).name == "Bureau"
