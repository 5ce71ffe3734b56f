"""In a real browser, as an agent: find the dissatisfied customers, open one, and read on the card why
their score is what it is and that a call-back is due."""
from datetime import timedelta

from tests.conftest import PASSWORD


def test_agent_filters_customers_by_segment_and_reads_the_card(app, live_server, page, factory):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, FollowUp, utcnow

    factory.user("agent", email="agent@example.com")
    unhappy = factory.customer("Paul Mécontent", email="paul@example.com")
    factory.customer("Anne Fidèle", email="anne@example.com")
    with app.app_context():
        for customer in db.session.scalars(db.select(Customer)):
            happy = customer.id != unhappy
            customer.customer_score = 82 if happy else 31
            customer.tactical_segment = "best" if happy else "dissatisfied"
            customer.csat_score = 4.8 if happy else 1.5
            customer.nps_class = "promoter" if happy else "detractor"
            customer.score_explanation = {"score": customer.customer_score, "parts": [
                {"part": "base", "points": 50, "text": {"fr": "50 au départ", "en": "50 to start with"}},
                {"part": "satisfaction", "points": customer.customer_score - 50,
                 "text": {"fr": "−19 deux réponses négatives", "en": "−19 two unhappy answers"}}]}
        db.session.add(FollowUp(customer_id=unhappy, reasons=["csat"], state="open", due_at=utcnow() - timedelta(hours=1)))
        db.session.commit()

    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("agent@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Clients").click()
    page.get_by_label("Segment").select_option("dissatisfied")
    page.get_by_role("button", name="Filtrer").click()
    rows = page.locator("table.customers tbody tr")
    assert rows.count() == 1 and "Paul Mécontent" in rows.first.inner_text()
    assert "segment=dissatisfied" in page.url  # the filter is in the URL, so it can be shared
    rows.first.get_by_role("link", name="Paul Mécontent").click()
    card = page.get_by_role("region", name="Fiche client")
    assert "31/100" in card.inner_text() and "Mécontent" in card.inner_text()
    assert "−19 deux réponses négatives" in card.inner_text()
    assert "en retard" in card.inner_text()  # the overdue call-back, flagged like a breach
