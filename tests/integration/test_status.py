"""Who is alive and what is done: heartbeats, `flask status` and /admin/status; a server process
covers the background work while no worker beats, and hands it back when one does."""
import logging
import re
from datetime import timedelta

import pytest

from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.status import heartbeats
from helpdesk.status.report import gather


def test_a_worker_that_beats_is_alive_and_one_that_stops_goes_stale(app):
    now = utcnow()
    with app.app_context():
        heartbeats.beat(db.session, "background", now, {"interval": 30}, process=("vm1", 11))
        heartbeats.beat(db.session, "web", now, {"covering": False}, process=("vm1", 12))
        assert heartbeats.alive(db.session, "background", now)
        assert not heartbeats.alive(db.session, "background", now, other_than=("vm1", 11))
        later = now + heartbeats.STALE_AFTER + timedelta(seconds=1)
        assert not heartbeats.alive(db.session, "background", later)
        report = gather(db.session, later, redis_url=None)
        assert [(p.kind, p.alive) for p in report.processes] == [("background", False), ("web", False)]
        assert report.background_by == "none" and "no_background_work" in report.problems()
        heartbeats.beat(db.session, "background", later, process=("vm1", 11))  # the same row again
        report = gather(db.session, later, redis_url=None)
        assert report.background_by == "worker" and len(report.processes) == 2 and report.problems() == []
        heartbeats.stop(db.session, "background", process=("vm1", 11))
        assert not heartbeats.alive(db.session, "background", later)


def test_a_covering_server_process_counts_as_doing_the_background_work(app):
    now = utcnow()
    with app.app_context():
        heartbeats.beat(db.session, "web", now, {"covering": True}, process=("vm2", 5))
        assert gather(db.session, now, redis_url=None).background_by == "web"


def test_redis_down_is_a_problem_the_report_names(app):
    from tests.net import free_port

    with app.app_context():
        heartbeats.beat(db.session, "background", utcnow())
        report = gather(db.session, utcnow(), redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert report.redis is not None and not report.redis.ok and "redis_down" in report.problems()
    assert report.database.ok


def test_unsent_mail_and_its_age_are_reported(app):
    from helpdesk.models import OutboxMessage

    now = utcnow()
    with app.app_context():
        db.session.add(OutboxMessage(to_address="a@example.com", subject="s", body_text="b",
                                     created_at=now - timedelta(minutes=20)))
        db.session.add(OutboxMessage(to_address="b@example.com", subject="s", body_text="b", created_at=now,
                                     failed_at=now))
        db.session.commit()
        heartbeats.beat(db.session, "background", now)
        report = gather(db.session, now, redis_url=None)
    assert (report.mail_unsent, report.mail_oldest_unsent_minutes, report.mail_failed) == (1, 20, 1)
    assert {"mail_backlog", "mail_failed"} <= set(report.problems())


def test_flask_status_prints_the_state_and_fails_on_a_problem(app, runner):
    result = runner.invoke(args=["status"])
    assert result.exit_code == 1
    assert "database   ok" in result.output and "background work: NO ONE" in result.output
    assert "search index: missing" in result.output
    with app.app_context():
        heartbeats.beat(db.session, "background", utcnow())
    assert runner.invoke(args=["kb", "reindex", "--if-missing", "--quiet"]).exit_code == 0
    result = runner.invoke(args=["status"])
    assert result.exit_code == 0, result.output
    assert "search index: ok" in result.output
    assert re.search(r"background +\S+:\d+ +last beat +\d+ s ago  alive", result.output)
    as_json = runner.invoke(args=["status", "--json"])
    assert '"background_by": "worker"' in as_json.output


def test_the_status_page_is_for_admins(app, factory):
    from tests.conftest import PASSWORD

    factory.user("admin", email="root@example.com")
    factory.user("agent", email="paul@example.com")
    root, paul = app.test_client(), app.test_client()
    root.post("/login", data={"email": "root@example.com", "password": PASSWORD})
    paul.post("/login", data={"email": "paul@example.com", "password": PASSWORD})
    page = root.get("/admin/status")
    assert page.status_code == 200
    assert "fait par personne" in page.get_data(as_text=True) and 'id="status-problems"' in page.get_data(as_text=True)
    assert paul.get("/admin/status").status_code == 403


def test_a_standing_by_server_process_covers_only_while_no_worker_beats(app, caplog):
    """With REDIS_URL (the production shape) the server process does the pass only while no
    `flask sla worker` beats, and says so once when it takes over and once when it hands back."""
    from helpdesk.sla.background import SlaSweeper, _my_turn

    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    sweeper = SlaSweeper(interval=30, standby=True)
    caplog.set_level(logging.WARNING, logger="helpdesk.sla.background")
    with app.app_context():
        assert _my_turn(app, db.session, sweeper) is True and sweeper.covering  # no worker: it covers
        assert _my_turn(app, db.session, sweeper) is True
        heartbeats.beat(db.session, "background", utcnow(), process=("worker-host", 1))
        assert _my_turn(app, db.session, sweeper) is False and not sweeper.covering
        assert heartbeats.alive(db.session, "web", utcnow())  # it beats all along
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and "no background worker alive" in messages[0] and "beats again" in messages[1]


def test_a_lone_server_process_always_does_the_background_work(app):
    from helpdesk.sla.background import SlaSweeper, _my_turn

    with app.app_context():
        heartbeats.beat(db.session, "background", utcnow(), process=("elsewhere", 1))
        assert _my_turn(app, db.session, SlaSweeper(interval=30, standby=False)) is True
