"""Survey rules without an app: who is invited and when, what an answer holds, which answers call
for a call-back, and the link tokens."""
from datetime import datetime, timedelta, timezone

import pytest

from helpdesk.surveys import rules
from helpdesk.surveys.rules import InvitationFacts, SurveySettings

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def facts(**changes):
    values = dict(consent=True, team_id=3, ticket_has_invitation=False, last_invited_at=None, last_nps_at=None)
    values.update(changes)
    return InvitationFacts(**values)


def test_a_resolved_ticket_is_surveyed_at_once_by_default_or_after_the_delay_set_with_nps_the_first_time():
    decision = rules.survey_decision(facts(), SurveySettings(), NOW)
    assert decision.invite and decision.send_at == NOW and decision.include_nps  # in the resolution mail
    decision = rules.survey_decision(facts(), SurveySettings(delay_minutes=60), NOW)
    assert decision.invite and decision.send_at == NOW + timedelta(hours=1) and decision.include_nps


def test_no_consent_no_invitation():
    assert rules.survey_decision(facts(consent=False), SurveySettings(), NOW).reason == "no_consent"


def test_one_invitation_per_ticket():
    assert not rules.survey_decision(facts(ticket_has_invitation=True), SurveySettings(), NOW).invite


def test_a_customer_is_asked_at_most_once_per_throttle_period():
    recent = facts(last_invited_at=NOW - timedelta(days=6, hours=23))
    assert rules.survey_decision(recent, SurveySettings(), NOW).reason == "throttled"
    week_ago = facts(last_invited_at=NOW - timedelta(days=7))
    assert rules.survey_decision(week_ago, SurveySettings(), NOW).invite
    assert rules.survey_decision(recent, SurveySettings(throttle_days=3), NOW).invite


def test_nps_is_asked_at_most_once_per_period():
    asked = facts(last_nps_at=NOW - timedelta(days=89))
    assert not rules.survey_decision(asked, SurveySettings(), NOW).include_nps
    assert rules.survey_decision(facts(last_nps_at=NOW - timedelta(days=90)), SurveySettings(), NOW).include_nps


def test_surveys_can_be_off_everywhere_or_for_some_teams():
    assert rules.survey_decision(facts(), SurveySettings(enabled=False), NOW).reason == "surveys_off"
    only_team_5 = SurveySettings(enabled_team_ids=[5])
    assert rules.survey_decision(facts(team_id=3), only_team_5, NOW).reason == "team_off"
    assert rules.survey_decision(facts(team_id=5), only_team_5, NOW).invite
    assert not rules.survey_decision(facts(team_id=None), only_team_5, NOW).invite


def test_an_answer_needs_a_csat_from_1_to_5_and_the_rest_is_optional():
    answer, errors = rules.parse_answer({"csat": "4", "effort": "", "comment": "  "}, nps_asked=True)
    assert errors == {} and answer == rules.Answer(4, None, None, None)
    for bad in ({}, {"csat": "0"}, {"csat": "6"}, {"csat": "abc"}, {"csat": True}):
        answer, errors = rules.parse_answer(bad, nps_asked=False)
        assert answer is None and "csat" in errors


def test_answer_fields_out_of_range_are_each_reported():
    _, errors = rules.parse_answer({"csat": 3, "effort": 8, "nps": 11, "comment": "x" * 2001}, nps_asked=True)
    assert set(errors) == {"effort", "nps", "comment"}


def test_nps_is_ignored_when_it_was_not_asked():
    answer, _ = rules.parse_answer({"csat": 5, "nps": 2}, nps_asked=False)
    assert answer.nps is None


@pytest.mark.parametrize("csat, effort, nps, reasons", [
    (1, None, None, ["csat"]), (2, 5, 7, ["csat"]), (3, None, None, []), (5, 6, None, ["effort"]),
    (4, 7, 6, ["effort", "nps"]), (4, 2, 0, ["nps"]), (5, 1, 10, []), (3, 5, 7, []),
])
def test_bad_answers_call_for_a_call_back(csat, effort, nps, reasons):
    assert rules.recovery_reasons(rules.Answer(csat, effort, nps, None)) == reasons


def test_tokens_are_long_random_and_stored_as_their_hash():
    token, digest = rules.new_token()
    other, _ = rules.new_token()
    assert token != other
    assert len(token) >= 43  # 32 random bytes in URL-safe base64: 256 bits
    assert digest == rules.token_hash(token) and token not in digest and len(digest) == 64


def test_a_link_works_once_and_until_it_expires():
    expires = NOW + timedelta(days=14)
    assert rules.link_problem("sent", expires, None, NOW) is None
    assert rules.link_problem("sent", expires, None, expires) == "expired"
    assert rules.link_problem("answered", expires, NOW, NOW) == "used"
    assert rules.link_problem("scheduled", None, None, NOW) == "not_sent"
    assert rules.link_problem("cancelled", None, None, NOW) == "not_sent"


def test_preselected_rating_comes_from_the_link_and_only_in_range():
    assert rules.preselected("4") == 4
    assert rules.preselected("9") is None and rules.preselected("") is None and rules.preselected(None) is None


def test_settings_changes_are_checked_field_by_field():
    changed, errors = rules.changed_settings(SurveySettings(), {"delay_minutes": 0, "enabled_team_ids": [2, 1, 2]}, [1, 2])
    assert errors == {} and changed.delay_minutes == 0 and changed.enabled_team_ids == [1, 2]
    _, errors = rules.changed_settings(SurveySettings(), {
        "delay_minutes": -1, "throttle_days": "7", "expiry_days": 0, "enabled_team_ids": [9], "colour": "red",
        "enabled": "yes",
    }, [1, 2])
    assert set(errors) == {"delay_minutes", "throttle_days", "expiry_days", "enabled_team_ids", "colour", "enabled"}
