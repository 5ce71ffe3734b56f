"""Satisfaction: recent answers count more; the latest NPS gives the class; effort is averaged."""
from datetime import datetime, timedelta, timezone

import pytest

from helpdesk.scores.contacts import ContactLoad, TicketFact, contact_load
from helpdesk.scores.satisfaction import Answer, nps_class, satisfaction, weight

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_weighted_csat_nps_class_and_effort_by_hand():
    answers = [
        Answer(ago(0), csat=5),
        Answer(ago(180), csat=2),
        Answer(ago(360), csat=1, nps=3),
        Answer(ago(10), nps=9, effort=2),
        Answer(ago(20), effort=4),
        Answer(NOW + timedelta(days=1), csat=1, nps=0),  # not given yet at `now`: ignored
    ]
    result = satisfaction(answers, NOW, half_life_days=180)
    # weights 1, 0.5, 0.25: (5 + 0.5·2 + 0.25·1) / 1.75
    assert result.csat == pytest.approx(6.25 / 1.75)
    assert (result.nps, result.nps_class) == (9, "promoter")
    assert result.effort == 3


def test_an_answer_one_half_life_old_weighs_half():
    assert weight(0, 180) == 1
    assert weight(180, 180) == pytest.approx(0.5)
    assert weight(360, 90) == pytest.approx(1 / 16)


def test_nps_classes():
    assert [nps_class(n) for n in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert nps_class(None) is None


def test_no_answers_no_satisfaction():
    result = satisfaction([], NOW, 180)
    assert (result.csat, result.nps, result.nps_class, result.effort, result.known) == (None, None, None, None, False)


def test_contact_load_by_hand():
    tickets = [
        TicketFact(ago(5), resolved=True, reopened=True, breaches=1),
        TicketFact(ago(30), resolved=False, reopened=True),  # reopened, open again now
        TicketFact(ago(60), resolved=True, reopened=False, breaches=2),
        TicketFact(ago(120), resolved=True, reopened=False),  # outside the 90 days, inside the 365
        TicketFact(ago(400), resolved=True, reopened=True, breaches=3),  # outside both windows
        TicketFact(ago(3), resolved=True, reopened=False, merged=True),  # a merged duplicate
    ]
    calls = [ago(1), ago(89), ago(91)]
    load = contact_load(tickets, calls, NOW, contact_window_days=90, friction_window_days=365)
    assert load == ContactLoad(contacts=5, tickets_resolved=4, tickets_reopened=2, breaches=3)
    assert load.reopen_rate == 0.5
    assert ContactLoad().reopen_rate is None
