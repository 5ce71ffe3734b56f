"""The SLA sweep: leads and agents hear of each warning and breach once, escalations happen once."""
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from helpdesk.models import (
    BusinessCalendar,
    Message,
    OutboxMessage,
    SLAPolicy,
    SlaClock,
    Team,
    Ticket,
    TicketEvent,
    User,
    utcnow,
)
from helpdesk.sla.service import recompute_all, refresh_sla, refresh_sla_for_tickets
from helpdesk.sla.sweep import sweep

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
MONDAY = (2026, 6, 8)


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def monday(hour, minute=0):
    return paris(*MONDAY, hour, minute)


@pytest.fixture()
def session(db_session):
    return db_session


@pytest.fixture()
def live(monkeypatch, queue_refreshes):
    """SLA live events as they leave after commit (the queue refreshes are in `queue_refreshes`)."""
    sent = []

    def record(event):
        (sent if event.name.startswith("sla:") else queue_refreshes).append(event)

    monkeypatch.setattr("helpdesk.realtime.events.emit_now", record)
    return sent


@pytest.fixture()
def queue_refreshes():
    return []


@pytest.fixture()
def desk(session):
    """A Paris office: the Hotline team, its agent and lead, another lead, and a standard policy."""
    calendar = BusinessCalendar(
        name="Bureau Paris", timezone="Europe/Paris", holidays_country="FR", closed_days=[],
        hours={d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    team = Team(name="Hotline", calendar=calendar)
    agent = User(email="agent@example.com", name="Alice Agent", role="agent", teams=[team])
    senior = User(email="senior@example.com", name="Sam Senior", role="agent", teams=[team])
    lead = User(email="lead@example.com", name="Léa Lead", role="lead", teams=[team])
    other_lead = User(email="other.lead@example.com", name="Omar Lead", role="lead", locale="en")
    policy = SLAPolicy(name="Standard", rank=100, calendar=calendar, conditions={},
                       first_response_minutes=60, next_response_minutes=60, resolution_minutes=8 * 60)
    session.add_all([calendar, team, agent, senior, lead, other_lead, policy])
    session.commit()
    return type("Desk", (), dict(calendar=calendar, team=team, agent=agent, senior=senior, lead=lead,
                                 other_lead=other_lead, policy=policy))


def open_ticket(session, desk, created_at, **fields):
    fields.setdefault("team_id", desk.team.id)
    fields.setdefault("assignee_id", desk.agent.id)
    fields.setdefault("subject", "Plus de tonalité")
    ticket = Ticket(created_at=created_at, updated_at=created_at, **fields)
    session.add(ticket)
    session.flush()
    ticket.number = 10000 + ticket.id
    session.add(Message(ticket_id=ticket.id, kind="reply", from_customer=True, body="<p>Bonjour</p>",
                        created_at=created_at))
    refresh_sla(session, ticket, now=created_at)
    session.commit()
    return ticket


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def audit(session, action):
    return session.execute(
        select(TicketEvent.ticket_id, TicketEvent.field).where(TicketEvent.action == action).order_by(TicketEvent.id)
    ).all()


# --- warn once, breach once -----------------------------------------------------------------------


def test_sweep_warns_once_then_breaches_once(session, desk, live):
    ticket = open_ticket(session, desk, monday(9, 0))

    report = sweep(session, monday(9, 50))  # 80 % of the first hour is 09:48
    assert (report.warnings, report.breaches) == (1, 0)
    assert audit(session, "sla_warning") == [(ticket.id, "first_response")]
    assert ticket.sla_state == "warning"
    assert ticket.sla_warn_at == monday(16, 24)  # now the resolution's: 80 % of 8 business hours
    assert sweep(session, monday(9, 55)).warnings == 0  # once is enough

    report = sweep(session, monday(10, 5), base_url="https://desk.example.fr/")
    assert (report.warnings, report.breaches) == (0, 1)
    assert audit(session, "sla_breached") == [(ticket.id, "first_response")]
    assert ticket.sla_state == "breached"
    assert ticket.sla_due_at == monday(10, 0)  # still unanswered: it stays at the top of the queue
    mails = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.to_address for m in mails] == ["lead@example.com"]  # the team's lead, not every lead
    assert mails[0].subject == f"[SLA] Ticket #{ticket.number} : délai de première réponse dépassé"
    assert f"https://desk.example.fr/console/tickets/{ticket.id}\n" in mails[0].body_text  # one click to it

    again = sweep(session, monday(10, 10))
    assert (again.warnings, again.breaches, again.escalations) == (0, 0, 0)
    assert count(session, OutboxMessage) == 1
    assert [(e.name, e.payload["state"]) for e in live] == [("sla:warning", "warning"), ("sla:breached", "breached")]


def test_live_events_reach_the_assignee_the_team_and_the_leads(session, desk, live, queue_refreshes):
    ticket = open_ticket(session, desk, monday(9, 0))
    sweep(session, monday(10, 5))  # straight past the deadline: a breach, no warning first

    assert len(live) == 1
    assert live[0].name == "sla:breached"
    assert live[0].rooms == (f"user:{desk.agent.id}", f"team:{desk.team.id}", "leads")
    assert live[0].payload == {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "metric": "first_response",
        "due_at": "2026-06-08T08:00:00+00:00",
        "state": "breached",
    }
    # Queues and the open ticket page redraw with the new badge.
    assert [(e.name, e.payload["ticket_id"]) for e in queue_refreshes] == [("ticket:updated", ticket.id)]
    assert "staff" in queue_refreshes[0].rooms


def test_events_of_a_failed_batch_are_never_sent(session, desk, live, monkeypatch):
    open_ticket(session, desk, monday(9, 0))

    def broken(*args):
        raise RuntimeError("mail template exploded")

    monkeypatch.setattr("helpdesk.sla.sweep._mail", broken)
    with pytest.raises(RuntimeError):
        sweep(session, monday(10, 5))
    assert live == []
    assert count(session, SlaClock, SlaClock.breached_at.is_not(None)) == 0  # the claim rolled back too
    assert count(session, TicketEvent, TicketEvent.action == "sla_breached") == 0

    monkeypatch.undo()
    monkeypatch.setattr("helpdesk.realtime.events.emit_now", live.append)
    assert sweep(session, monday(10, 6)).breaches == 1  # the next sweep picks it up
    assert count(session, OutboxMessage) == 1
    assert [e.name for e in live] == ["sla:breached", "ticket:updated"]


def test_a_backlog_of_breaches_reaches_each_lead_as_one_digest(session, desk, live):
    """After an outage, or a policy made stricter, many tickets breach at once: each lead gets one
    mail listing them (with links), not one mail per ticket."""
    tickets = [open_ticket(session, desk, monday(9, 0), subject=f"Coupure fibre {i}") for i in range(7)]
    desk.other_lead.teams = [desk.team]
    session.commit()

    report = sweep(session, monday(10, 5), base_url="https://desk.example.fr")
    assert report.breaches == 7
    assert len(audit(session, "sla_breached")) == 7  # the audit trail stays per ticket
    mails = {m.to_address: m for m in session.scalars(select(OutboxMessage))}
    assert set(mails) == {"lead@example.com", "other.lead@example.com"}
    french, english = mails["lead@example.com"], mails["other.lead@example.com"]
    assert french.subject == "[SLA] 7 tickets ont dépassé leur délai"
    assert english.subject == "[SLA] 7 tickets breached their targets"
    for ticket in tickets:
        assert f"#{ticket.number} Coupure fibre" in french.body_text
        assert f"https://desk.example.fr/console/tickets/{ticket.id}\n" in french.body_text
    assert "https://desk.example.fr/console?view=breached" in english.body_text


def test_no_warning_while_waiting_on_the_customer(session, desk, live):
    ticket = open_ticket(session, desk, monday(9, 0))
    session.add(TicketEvent(ticket_id=ticket.id, action="changed", field="status", old_value="new",
                            new_value="pending_customer", created_at=monday(9, 30)))
    ticket.status = "pending_customer"
    refresh_sla(session, ticket, now=monday(9, 30))
    session.commit()

    report = sweep(session, monday(17, 0))
    assert (report.warnings, report.breaches) == (0, 0)
    assert ticket.sla_state == "paused"


def test_answered_tickets_are_not_announced(session, desk, live):
    ticket = open_ticket(session, desk, monday(9, 0))
    session.add(Message(ticket_id=ticket.id, kind="reply", from_customer=False, body="<p>On regarde</p>",
                        created_at=monday(9, 40)))
    refresh_sla(session, ticket, now=monday(9, 40))
    session.commit()
    assert sweep(session, monday(10, 30)).warnings == 0
    assert live == []


def test_nothing_due_costs_two_indexed_queries(app, session, desk):
    for hour in (9, 10, 11):
        open_ticket(session, desk, monday(hour, 0))
    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        report = sweep(session, monday(9, 5))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert (report.warnings, report.breaches) == (0, 0)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


# --- escalations ----------------------------------------------------------------------------------


def test_breach_raises_priority_and_the_high_priority_policy_then_applies(session, desk, live):
    desk.policy.escalations = [{"on": "breached", "metric": "first_response", "action": "raise_priority"}]
    high = SLAPolicy(name="High", rank=10, calendar=desk.calendar, conditions={"priority": ["high", "urgent"]},
                     first_response_minutes=30, next_response_minutes=30, resolution_minutes=4 * 60)
    session.add(high)
    session.commit()
    ticket = open_ticket(session, desk, monday(9, 0))
    version = ticket.version

    report = sweep(session, monday(10, 5))
    assert (report.breaches, report.escalations) == (1, 1)
    assert ticket.priority == "high"
    assert ticket.version == version + 1  # a real change: an agent's stale form must not overwrite it
    change = session.scalar(select(TicketEvent).where(TicketEvent.action == "changed"))
    assert (change.field, change.old_value, change.new_value) == ("priority", "normal", "high")
    assert change.data["reason"] == "sla_escalation"
    assert ticket.sla_policy_id == high.id
    assert ticket.resolution_due_at == monday(14, 0)  # 4 business hours, lunch excluded
    # Same first-response promise: its breach is not announced again under the new policy.
    assert sweep(session, monday(10, 10)).breaches == 0


def test_warning_reassigns_to_a_senior_agent_and_notifies_them(session, desk, live):
    desk.policy.escalations = [
        {"on": "warning", "metric": "any", "action": "reassign", "to": desk.senior.id},
        {"on": "warning", "metric": "first_response", "action": "notify", "to": "assignee"},
    ]
    session.commit()
    ticket = open_ticket(session, desk, monday(9, 0))

    report = sweep(session, monday(9, 50))
    assert (report.warnings, report.escalations) == (1, 2)
    assert ticket.assignee_id == desk.senior.id
    assert [m.to_address for m in session.scalars(select(OutboxMessage))] == ["senior@example.com"]
    assert live[0].rooms[0] == f"user:{desk.agent.id}"  # who had it when it went amber


def test_escalation_to_someone_unknown_is_ignored(session, desk, live):
    desk.policy.escalations = [{"on": "breached", "metric": "any", "action": "reassign", "to": 9999}]
    session.commit()
    ticket = open_ticket(session, desk, monday(9, 0))
    report = sweep(session, monday(10, 5))
    assert (report.breaches, report.escalations) == (1, 0)
    assert ticket.assignee_id == desk.agent.id


def test_unassign_escalation_sends_the_ticket_back_to_the_team_queue(session, desk, live):
    desk.policy.escalations = [{"on": "breached", "metric": "first_response", "action": "reassign"}]
    session.commit()
    ticket = open_ticket(session, desk, monday(9, 0))
    sweep(session, monday(10, 5))
    assert ticket.assignee_id is None and ticket.team_id == desk.team.id


# --- two sweeps at once -----------------------------------------------------------------------------


def test_two_sweeps_at_once_act_on_each_breach_exactly_once(app, session, desk, live):
    from helpdesk.extensions import db

    created = [monday(9, 0)] * 100 + [monday(11, 0)] * 100  # due at 10:00 / warned at 11:48
    session.add_all(Ticket(subject=f"Panne {i}", number=30000 + i, team_id=desk.team.id, assignee_id=desk.agent.id,
                           created_at=at, updated_at=at) for i, at in enumerate(created))
    session.commit()
    recompute_all(session, now=monday(11, 0))
    now = monday(11, 50)

    start = threading.Barrier(2)
    reports, errors = [], []

    def run(batch):
        with app.app_context():
            try:
                start.wait(timeout=5)
                reports.append(sweep(db.session, now, batch=batch))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

    threads = [threading.Thread(target=run, args=(batch,)) for batch in (40, 70)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert time.monotonic() - began < 5

    assert sum(r.breaches for r in reports) == 100
    assert sum(r.warnings for r in reports) == 100
    per_clock = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.field, func.count())
        .where(TicketEvent.action.in_(("sla_warning", "sla_breached")))
        .group_by(TicketEvent.ticket_id, TicketEvent.field, TicketEvent.action)
    ).all()
    assert len(per_clock) == 200 and {n for _, _, n in per_clock} == {1}
    # The team lead hears of each breach once: a mail each, or digests when a batch holds many.
    mails = session.scalars(select(OutboxMessage)).all()
    assert {m.to_address for m in mails} == {"lead@example.com"}
    assert sum(int(m.headers.get("X-Helpdesk-Tickets", 1)) for m in mails) == 100
    assert len(live) == 200

    # What the sweep settled on the tickets (from their clocks) is what a full recompute gives.
    columns = (Ticket.id, Ticket.sla_state, Ticket.sla_due_at, Ticket.sla_warn_at, Ticket.resolution_due_at)
    settled = session.execute(select(*columns).order_by(Ticket.id)).all()
    assert {row.sla_state for row in settled} == {"warning", "breached"}
    refresh_sla_for_tickets(session, [row.id for row in settled], now)
    session.commit()
    assert session.execute(select(*columns).order_by(Ticket.id)).all() == settled


# --- running it -----------------------------------------------------------------------------------


def _overdue_now(session, desk):
    """A ticket opened three days ago on a round-the-clock policy: overdue whatever the real time."""
    desk.policy.calendar = None
    desk.team.calendar = None
    session.commit()
    return open_ticket(session, desk, utcnow() - timedelta(days=3))


def test_sla_commands(app, runner, session, desk, live):
    _overdue_now(session, desk)
    result = runner.invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "0 warning(s), 2 breach(es)" in result.output  # first response and resolution

    result = runner.invoke(args=["sla", "recompute", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "recomputed 1 ticket(s)" in result.output

    result = runner.invoke(args=["sla", "worker", "--passes", "2", "--interval", "0.1"])
    assert result.exit_code == 0, result.output


def test_recompute_on_several_processes_computes_every_ticket_once(app, runner, session, desk, monkeypatch, tmp_path):
    """`sla recompute --procs 2` (what the demo seed runs after writing its tickets in bulk): each forked
    process takes a range of ids, and every ticket ends with the clocks one process gives it."""
    import os

    from helpdesk.sla import bulk

    created = datetime.now(timezone.utc) - timedelta(days=2)
    ids = []
    for k in range(8):  # written in bulk: no clocks yet, as the seed and imports leave them
        ticket = Ticket(subject=f"Ligne coupée {k}", team_id=desk.team.id, created_at=created, updated_at=created)
        session.add(ticket)
        session.flush()
        ticket.number = 10000 + ticket.id
        session.add(Message(ticket_id=ticket.id, kind="reply", from_customer=True, body="<p>Bonjour</p>",
                            created_at=created))
        ids.append(ticket.id)
    session.commit()
    pids = tmp_path / "pids"
    real = bulk.recompute_all

    def noting_the_process(*args, **kwargs):
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "PARALLEL_MIN_TICKETS", 1)
    monkeypatch.setattr(bulk, "recompute_all", noting_the_process)
    result = runner.invoke(args=["sla", "recompute", "--quiet", "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert "recomputed 8 ticket(s)" in result.output
    assert len(set(pids.read_text().split()) - {str(os.getpid())}) == 2  # two other processes did it

    session.expire_all()
    columns = (Ticket.id, Ticket.sla_state, Ticket.sla_due_at, Ticket.first_response_due_at, Ticket.resolution_due_at)
    computed = session.execute(select(*columns).where(Ticket.id.in_(ids)).order_by(Ticket.id)).all()
    assert all(row.sla_state is not None and row.resolution_due_at is not None for row in computed)
    clocks = session.execute(select(SlaClock.ticket_id, func.count()).where(SlaClock.ticket_id.in_(ids))
                             .group_by(SlaClock.ticket_id)).all()
    assert sorted(clocks) == [(i, 3) for i in ids]  # first response, next response, resolution: once each
    refresh_sla_for_tickets(session, ids, utcnow())
    session.commit()
    assert session.execute(select(*columns).where(Ticket.id.in_(ids)).order_by(Ticket.id)).all() == computed


def test_background_sweeper_runs_only_without_a_worker(app, session, desk, live):
    from helpdesk.extensions import socketio
    from helpdesk.sla.background import start_sla_sweeper

    app.config.update(BACKGROUND_TASKS=False, REDIS_URL=None)
    assert start_sla_sweeper(app, socketio) is None
    app.config.update(BACKGROUND_TASKS=True, REDIS_URL="redis://127.0.0.1:6379/0")
    standing_by = start_sla_sweeper(app, socketio)  # `flask sla worker` does it then; this one covers for it
    assert standing_by is not None and standing_by.standby
    standing_by.stop()

    app.config.update(REDIS_URL=None)
    ticket = _overdue_now(session, desk)
    sweeper = start_sla_sweeper(app, socketio, interval=0.05)
    try:
        assert start_sla_sweeper(app, socketio) is sweeper
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and count(session, TicketEvent, TicketEvent.action == "sla_breached") < 2:
            session.rollback()  # a fresh snapshot each look
            time.sleep(0.02)
    finally:
        sweeper.stop()
    assert count(session, TicketEvent, TicketEvent.ticket_id == ticket.id, TicketEvent.action == "sla_breached") == 2
