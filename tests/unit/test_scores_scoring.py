"""The customer score: 0–100, explained part by part in words that add up to it."""
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.scores.contacts import ContactLoad
from helpdesk.scores.facts import CustomerFacts
from helpdesk.scores.rfm import RfmInputs, RfmScore
from helpdesk.scores.satisfaction import Satisfaction
from helpdesk.scores.scoring import customer_score
from helpdesk.scores.settings import ScoreSettings

DEFAULTS = ScoreSettings()
PROPS = settings(max_examples=300, deadline=None)


def test_a_loyal_happy_customer_who_had_trouble_lately_by_hand():
    facts = CustomerFacts(
        tenure_days=365,
        rfm_inputs=RfmInputs(4, 6, 820.0),
        rfm=RfmScore(5, 4, 3),
        satisfaction=Satisfaction(csat=4.5, nps=9, effort=2.0),
        load=ContactLoad(contacts=6, tickets_resolved=4, tickets_reopened=1, breaches=1),
    )
    result = customer_score(facts, DEFAULTS)
    # weights 40/30/10/20 share the 50 points as ±20 / ±15 / ±5 / ±10
    # value: (4 − 3) / 2 · 20 = 10; satisfaction: (0.5·0.75 + 0.3·1 + 0.2·⅔) · 15 = 12.1 → 12;
    # tenure: 365 / 730 · 5 = 2.5 → 3; friction: 4/8 + 1/3 + 0.25/0.5 > 1 → −10
    assert result.score == 50 + 10 + 12 + 3 - 10 == 65
    assert result.explanation() == {"score": 65, "parts": [
        {"part": "base", "points": 50, "text": {"fr": "50 au départ", "en": "50 to start with"}},
        {"part": "value", "points": 10, "text": {"fr": "+10 achats récents et fréquents (RFM 5-4-3)",
                                                  "en": "+10 recent, frequent purchases (RFM 5-4-3)"}},
        {"part": "satisfaction", "points": 12, "text": {
            "fr": "+12 satisfait : CSAT 4,5/5, promoteur (NPS 9), effort 2,0/7",
            "en": "+12 satisfied: CSAT 4.5/5, promoter (NPS 9), effort 2.0/7"}},
        {"part": "tenure", "points": 3, "text": {"fr": "+3 client depuis 12 mois", "en": "+3 customer for 12 months"}},
        {"part": "friction", "points": -10, "text": {
            "fr": "\u221210 six contacts en 90 jours, un délai dépassé et 25 % de tickets rouverts",
            "en": "\u221210 six contacts in 90 days, one missed deadline and 25% of tickets reopened"}},
    ]}


def test_a_newcomer_with_nothing_on_record_scores_the_base():
    result = customer_score(CustomerFacts(tenure_days=3), DEFAULTS)
    assert result.score == 50
    texts = [p["text"]["fr"] for p in result.explanation()["parts"]]
    assert texts == ["50 au départ", "0 aucun achat sur 365 jours", "0 pas encore d'avis", "0 client depuis 3 jours",
                     "0 ni relance ni retard"]


def test_an_unhappy_occasional_buyer_loses_points_and_says_why():
    facts = CustomerFacts(tenure_days=800, rfm=RfmScore(1, 1, 2), rfm_inputs=RfmInputs(300, 1, 20.0),
                          satisfaction=Satisfaction(csat=1.0, nps=2, effort=7.0),
                          load=ContactLoad(contacts=2, tickets_resolved=2, tickets_reopened=0, breaches=2))
    parts = {p["part"]: p for p in customer_score(facts, DEFAULTS).explanation()["parts"]}
    assert parts["value"]["points"] == -17  # (4/3 − 3) / 2 · 20 = −16.7
    assert parts["value"]["text"]["en"] == "\u221217 old, infrequent, small purchases (RFM 1-1-2)"
    assert parts["satisfaction"]["points"] == -15
    assert parts["satisfaction"]["text"]["fr"].startswith("\u221215 insatisfait : CSAT 1,0/5, détracteur (NPS 2)")
    assert parts["tenure"]["points"] == 5 and parts["tenure"]["text"]["en"] == "+5 customer for 2 years"
    assert parts["friction"] == {"part": "friction", "points": -7,  # two breaches of three: −6.7
                                 "text": {"fr": "\u22127 deux délais dépassés", "en": "\u22127 two missed deadlines"}}


def test_weights_are_configurable():
    facts = CustomerFacts(tenure_days=2000, rfm=RfmScore(5, 5, 5))
    only_value = ScoreSettings(weight_value=1, weight_satisfaction=0, weight_tenure=0, weight_friction=0)
    assert customer_score(facts, only_value).score == 100
    assert ScoreSettings(weight_value=1, weight_satisfaction=1, weight_tenure=1, weight_friction=0).part_points() == {
        "value": 17, "satisfaction": 17, "tenure": 16, "friction": 0}


# --- properties --------------------------------------------------------------------------------------

RFM = st.none() | st.builds(RfmScore, st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
SATISFACTION = st.builds(
    Satisfaction,
    csat=st.none() | st.floats(1, 5),
    nps=st.none() | st.integers(0, 10),
    effort=st.none() | st.floats(1, 7),
)
LOAD = st.builds(ContactLoad, st.integers(0, 500), st.integers(0, 50), st.integers(0, 50), st.integers(0, 300)).filter(
    lambda load: load.tickets_reopened <= load.tickets_resolved)
FACTS = st.builds(CustomerFacts, tenure_days=st.integers(0, 20_000), rfm=RFM, satisfaction=SATISFACTION, load=LOAD)
WEIGHT = st.integers(0, 100) | st.floats(0, 100)
SETTINGS = st.tuples(WEIGHT, WEIGHT, WEIGHT, WEIGHT).filter(lambda w: sum(w) > 0).map(
    lambda w: ScoreSettings(weight_value=w[0], weight_satisfaction=w[1], weight_tenure=w[2], weight_friction=w[3]))


@PROPS
@given(FACTS, SETTINGS)
def test_the_score_stays_within_0_and_100_and_its_parts_add_up(facts, score_settings):
    explanation = customer_score(facts, score_settings).explanation()
    assert 0 <= explanation["score"] <= 100
    assert sum(p["points"] for p in explanation["parts"]) == explanation["score"]
    assert [p["part"] for p in explanation["parts"]] == ["base", "value", "satisfaction", "tenure", "friction"]
    most = score_settings.part_points()
    assert sum(most.values()) == 50
    for part in explanation["parts"][1:]:
        assert abs(part["points"]) <= most[part["part"]]
        assert isinstance(part["points"], int)
        for text in part["text"].values():  # each text starts with its points
            assert text.split(" ", 1)[0] == ("0" if part["points"] == 0 else f"{part['points']:+d}".replace("-", "\u2212"))


@PROPS
@given(FACTS, st.integers(1, 5))
def test_a_better_rfm_never_lowers_the_score(facts, better_m):
    if facts.rfm is None or better_m <= facts.rfm.monetary:
        return
    improved = CustomerFacts(**{**vars(facts), "rfm": RfmScore(facts.rfm.recency, facts.rfm.frequency, better_m)})
    assert customer_score(improved, DEFAULTS).score >= customer_score(facts, DEFAULTS).score
