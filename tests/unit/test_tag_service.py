"""Tags as an admin runs them (helpdesk.admin.tag_service): counted uses, rename, rename onto an
existing name merges, delete takes the tag off everything; each change audited, bad names refused
with codes. A bare SQLAlchemy session on a SQLite file, no app."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import helpdesk.models  # noqa: F401  (registers every table)
import knowledge_base.models  # noqa: F401
from helpdesk.admin import tag_service
from helpdesk.errors import Forbidden, Invalid
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Tag, Ticket, User
from knowledge_base.models import Article

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture()
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'tags.db'}")
    db.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture()
def world(session):
    admin = User(email="ada@example.com", name="Ada", role="admin", locale="fr", active=True)
    facture, factu, wifi = Tag(name="facture"), Tag(name="factu"), Tag(name="wifi")
    first = Ticket(subject="Double prélèvement", tags=[facture, factu])
    second = Ticket(subject="Facture manquante", tags=[factu])
    article = Article(slug="payer", title="Payer sa facture", body="…", tags=[factu, wifi])
    session.add_all([admin, first, second, article])
    session.commit()
    return {"admin": admin, "facture": facture.id, "factu": factu.id, "wifi": wifi.id, "first": first.id,
            "second": second.id, "article": article.id}


def _names(session, model, row_id):
    session.expire_all()
    return [t.name for t in session.get(model, row_id).tags]


def _audit(session):
    return [(e.action, e.object_label, e.changes) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_each_tag_is_listed_with_its_tickets_and_articles(session, world):
    uses = {u.name: (u.tickets, u.articles) for u in tag_service.list_tags(session, world["admin"])}
    assert uses == {"facture": (1, 0), "factu": (2, 1), "wifi": (0, 1)}
    assert [u.name for u in tag_service.list_tags(session, world["admin"], q=" FACT")] == ["factu", "facture"]
    assert tag_service.list_tags(session, world["admin"], q="%") == []


def test_a_rename_keeps_the_tag_and_is_audited(session, world):
    kept = tag_service.rename_tag(session, world["admin"], world["wifi"], "  Wi-Fi ", NOW)
    session.commit()
    assert (kept.id, kept.name) == (world["wifi"], "wi-fi")
    assert _names(session, Article, world["article"]) == ["factu", "wi-fi"]
    assert _audit(session) == [("updated", "wi-fi", {"name": ["wifi", "wi-fi"]})]


def test_a_rename_onto_an_existing_name_merges_without_doubles(session, world):
    kept = tag_service.rename_tag(session, world["admin"], world["factu"], "facture", NOW)
    session.commit()
    assert kept.id == world["facture"]
    assert _names(session, Ticket, world["first"]) == ["facture"]  # had both: now once
    assert _names(session, Ticket, world["second"]) == ["facture"]
    assert _names(session, Article, world["article"]) == ["facture", "wifi"]
    assert session.get(Tag, world["factu"]) is None
    assert _audit(session) == [("deleted", "factu", {"merged_into": [None, "facture"]})]


def test_a_delete_takes_the_tag_off_tickets_and_articles(session, world):
    assert tag_service.delete_tag(session, world["admin"], world["factu"], NOW) == "factu"
    session.commit()
    assert _names(session, Ticket, world["first"]) == ["facture"]
    assert _names(session, Ticket, world["second"]) == []
    assert _names(session, Article, world["article"]) == ["wifi"]
    assert _audit(session) == [("deleted", "factu", {"name": ["factu", None], "tickets": [2, 0], "articles": [1, 0]})]


@pytest.mark.parametrize("name, code, limits", [
    ("", "required", None), ("   ", "required", None), (None, "required", None), (12, "not_text", None),
    ("x" * 65, "too_long", {"name": {"max_length": 64}}),
])
def test_bad_names_are_refused_with_a_code_and_nothing_changes(session, world, name, code, limits):
    with pytest.raises(Invalid) as error:
        tag_service.rename_tag(session, world["admin"], world["wifi"], name, NOW)
    assert error.value.fields == {"name": code}
    assert error.value.details.get("limits") == limits
    session.rollback()
    assert session.get(Tag, world["wifi"]).name == "wifi" and _audit(session) == []


def test_only_admins_manage_tags(session, world):
    agent = User(email="paul@example.com", name="Paul", role="agent", locale="fr", active=True)
    session.add(agent)
    session.commit()
    with pytest.raises(Forbidden):
        tag_service.delete_tag(session, agent, world["wifi"], NOW)
    with pytest.raises(Forbidden):
        tag_service.list_tags(session, agent)
