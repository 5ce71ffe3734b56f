"""When a report's figures are kept, served, computed again or forgotten (helpdesk.reports.kept),
and kept figures turned back into the report objects the pages read (helpdesk.reports.plain)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from helpdesk.reports import agents, satisfaction, sla, volume
from helpdesk.reports.backlog import BacklogDay
from helpdesk.reports.fcr import ResolutionQuality
from helpdesk.reports.filters import ReportFilters
from helpdesk.reports.kept import KeepRules, due_for_refresh, is_fresh, may_keep, report_key, worth_keeping
from helpdesk.reports.plain import plain, revive
from helpdesk.reports.times import Spread

UTC = timezone.utc
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
RULES = KeepRules(keep_after_ms=500, keep_minutes=10, warm_minutes=60)


def week(**filters) -> ReportFilters:
    return ReportFilters(start=datetime(2026, 11, 22, 23, tzinfo=UTC), end=datetime(2026, 11, 29, 23, tzinfo=UTC),
                         **filters)


def test_only_reports_long_to_compute_are_kept():
    assert worth_keeping(500, RULES) and worth_keeping(9000, RULES)
    assert not worth_keeping(499.9, RULES)


def test_a_single_day_is_never_kept():
    day = ReportFilters(start=datetime(2026, 12, 1, 23, tzinfo=UTC), end=datetime(2026, 12, 2, 23, tzinfo=UTC))
    assert day.first_day == day.last_day and not may_keep(day)
    assert may_keep(week())


def test_kept_figures_are_served_for_the_keeping_time():
    assert is_fresh(NOW - timedelta(minutes=9, seconds=59), NOW, RULES)
    assert not is_fresh(NOW - timedelta(minutes=10), NOW, RULES)


def test_the_background_computes_again_from_half_the_keeping_time_what_was_looked_at_lately():
    assert not due_for_refresh(NOW - timedelta(minutes=4), NOW, NOW, RULES)
    assert due_for_refresh(NOW - timedelta(minutes=5), NOW - timedelta(minutes=59), NOW, RULES)
    assert not due_for_refresh(NOW - timedelta(minutes=5), NOW - timedelta(minutes=60), NOW, RULES)


def test_the_key_is_the_period_and_filters_not_the_range_name():
    assert report_key("sla", week(range="7d"), {}) == report_key("sla", week(range="custom"), {})
    assert report_key("sla", week(), {}) != report_key("agents", week(), {})
    assert report_key("sla", week(), {}) != report_key("sla", week(team_id=2), {})
    assert report_key("sla", week(), {}) != report_key("sla", week(timezone="America/Montreal"), {})
    assert report_key("sla", week(), {"max_agent_replies": 1}) != report_key("sla", week(), {"max_agent_replies": 2})


def _round_trip(report, cls):
    """Through JSON text, as the database keeps it; the filters are the request's."""
    return revive(cls, json.loads(json.dumps(plain(report))), filters=report.filters)


def test_every_report_comes_back_equal_from_kept_json():
    f = week(team_id=3, priority="high")
    compliance = sla.Compliance(4, 1, 2)
    sla_report = sla.SlaReport(f, {"first_response": compliance, "resolution": sla.Compliance()},
                               {"high": {"first_response": compliance}},
                               {"first_response": Spread(5, 600.0, 1500.5), "resolution": Spread()},
                               ResolutionQuality(10, 8, 5, 9, 1))
    assert _round_trip(sla_report, sla.SlaReport) == sla_report
    days = [volume.DayVolume(date(2026, 11, 23), {"email": 3, "phone": 0}, {"email": 1, "phone": 2}, 7)]
    volume_report = volume.VolumeReport(f, ("email", "phone"), days, [[0] * 24 for _ in range(7)],
                                        {"email": 3, "phone": 0}, {"email": 1, "phone": 2},
                                        [BacklogDay(date(2026, 11, 23), 3, 3, 7)])
    revived = _round_trip(volume_report, volume.VolumeReport)
    assert revived == volume_report and isinstance(revived.channels, tuple)
    answers = satisfaction.Satisfaction(3, 3, 2, 11, 1, 1, 1, 2, 8)
    satisfaction_report = satisfaction.SatisfactionReport(f, answers, 12, [(date(2026, 11, 24), answers)])
    revived = _round_trip(satisfaction_report, satisfaction.SatisfactionReport)
    assert revived == satisfaction_report and revived.by_day[0][0] == date(2026, 11, 24)
    agents_report = agents.AgentsReport(f, [
        agents.AgentRow(7, "Alice", ResolutionQuality(4, 3, 2, 3, 0), Spread(3, 60.0, 90.0), Spread(),
                        answers, 2, 1),
        agents.AgentRow(8, "Bob"),
    ])
    revived = _round_trip(agents_report, agents.AgentsReport)
    assert revived == agents_report and revived.rows[1].satisfaction is None
    assert revived.rows[0].promises_kept_percent == 66.7 and revived.filters is f


def test_the_filters_are_left_out_of_what_is_kept():
    assert "filters" not in plain(agents.AgentsReport(week(), []))
