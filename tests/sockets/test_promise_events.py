"""A broken promise reaches its owner and the leads live (`promise:broken`), and not agents of other teams."""
from datetime import timedelta

from helpdesk.models import utcnow


def test_a_broken_promise_reaches_the_owner_and_the_leads(app, factory, auth, connect):
    from helpdesk.extensions import db
    from helpdesk.models import Team, User
    from helpdesk.promises.service import make_promise, promise_pass

    with app.app_context():
        hotline, billing = Team(name="Hotline"), Team(name="Facturation")
        db.session.add_all([hotline, billing])
        db.session.commit()
        hotline_id, billing_id = hotline.id, billing.id
    owner = factory.user("agent", email="owner@example.com", team_ids=[hotline_id])
    factory.user("lead", email="lead@example.com", team_ids=[billing_id])  # a lead of another team hears it too
    factory.user("agent", email="elsewhere@example.com", team_ids=[billing_id])
    customer = factory.customer("Léa Martin")
    ticket = factory.ticket(customer_id=customer, team_id=hotline_id, assignee_id=owner)
    listeners = {email: connect(auth.token(email)) for email in ("owner@example.com", "lead@example.com",
                                                                   "elsewhere@example.com")}
    with app.app_context():
        made = utcnow() - timedelta(hours=3)
        promise = make_promise(db.session, db.session.get(User, owner), ticket,
                               {"what": "rappeler jeudi matin", "due_at": made + timedelta(hours=1)}, made)
        db.session.commit()
        promise_id = promise.id
        assert promise_pass(db.session, utcnow()) == (0, 1)
        db.session.commit()

    for email in ("owner@example.com", "lead@example.com"):
        event = listeners[email].wait_for("promise:broken")
        assert event["promise_id"] == promise_id and event["ticket_id"] == ticket
        assert event["state"] == "broken" and event["what"] == "rappeler jeudi matin" and event["owner_id"] == owner
        assert event["number"] == 10000 + ticket
    assert listeners["elsewhere@example.com"].received("promise:broken", within=0.5) == []
