"""The score's explanation as the card shows it: each part in the reader's language."""
from helpdesk.customers.card import ExplanationPart, explanation_parts

EXPLANATION = {"score": 61, "parts": [
    {"part": "base", "points": 50, "text": {"fr": "50 points de départ", "en": "50 starting points"}},
    {"part": "satisfaction", "points": -7, "text": {"fr": "-7 note de satisfaction basse"}},
]}


def test_parts_are_read_in_the_viewer_language():
    assert explanation_parts(EXPLANATION, "en") == [
        ExplanationPart("base", 50, "50 starting points"),
        ExplanationPart("satisfaction", -7, "-7 note de satisfaction basse"),  # no English: the French source
    ]
    assert [p.text for p in explanation_parts(EXPLANATION, "fr")] == ["50 points de départ", "-7 note de satisfaction basse"]


def test_missing_or_malformed_explanations_show_nothing_rather_than_fail():
    assert explanation_parts(None, "fr") == []
    assert explanation_parts({"score": 10}, "fr") == []
    assert explanation_parts({"parts": ["oops", {"part": "value", "points": 3, "text": {}}, {"part": "tenure", "text": "+2 fidèle"}]},
                             "en") == [ExplanationPart("tenure", 0, "+2 fidèle")]
