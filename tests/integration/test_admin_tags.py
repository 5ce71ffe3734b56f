"""The tags page as an admin uses it (CSRF on): reached from the admin home, tags listed with their
tickets and articles, renamed, merged and deleted, each change in the audit log; a bad name is worded
next to its field with what was typed, and nothing changes."""
import html
import re

import pytest
from sqlalchemy import select

from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Tag, Ticket
from tests.conftest import PASSWORD
from tests.forms import post_form

KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture()
def tagged(app, factory):
    factory.user("admin", email="admin@example.com", name="Ada Admin")
    factory.user("agent", email="agent@example.com", name="Paul Agent")
    first = factory.ticket(subject="Double prélèvement")
    second = factory.ticket(subject="Facture manquante")
    with app.app_context():
        facture, factu = Tag(name="facture"), Tag(name="factu")
        db.session.get(Ticket, first).tags = [facture, factu]
        db.session.get(Ticket, second).tags = [factu]
        db.session.commit()
        return {"first": first, "second": second, "facture": facture.id, "factu": factu.id}


def _browser(app, email: str):
    from helpdesk import create_app

    client = create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS}).test_client()
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def _state(app):
    with app.app_context():
        tags = {t.id: t.name for t in db.session.scalars(select(Tag))}
        tickets = {t.id: sorted(x.name for x in t.tags) for t in db.session.scalars(select(Ticket))}
        audit = [(e.action, e.object_label) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "tag").order_by(AuditEvent.id))]
        return tags, tickets, audit


def test_an_admin_finds_tags_and_canned_responses_from_the_home(app, tagged):
    client = _browser(app, "admin@example.com")
    home = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/tags"' in home and 'href="/lead/macros"' in home
    page = html.unescape(client.get("/admin/tags?q=fact").get_data(as_text=True))
    assert re.search(r'factu</span></td>\s*<td class="num">2</td><td class="num">0</td>', page)
    assert re.search(r'facture</span></td>\s*<td class="num">1</td><td class="num">0</td>', page)


def test_rename_merge_and_delete_are_done_and_audited(app, tagged):
    client = _browser(app, "admin@example.com")
    renamed = post_form(client, f"/admin/tags/{tagged['factu']}/rename", {"name": "Facturation"}, page="/admin/tags",
                        follow_redirects=True)
    assert "Étiquette « factu » renommée en « facturation »." in html.unescape(renamed.get_data(as_text=True))
    merged = post_form(client, f"/admin/tags/{tagged['facture']}/rename", {"name": "facturation"}, page="/admin/tags",
                       follow_redirects=True)
    assert "fusionnée dans « facturation »" in html.unescape(merged.get_data(as_text=True))
    tags, tickets, audit = _state(app)
    assert tags == {tagged["factu"]: "facturation"}
    assert tickets == {tagged["first"]: ["facturation"], tagged["second"]: ["facturation"]}
    deleted = post_form(client, f"/admin/tags/{tagged['factu']}/delete", {}, page="/admin/tags", follow_redirects=True)
    assert "supprimée des tickets et des articles" in html.unescape(deleted.get_data(as_text=True))
    tags, tickets, audit = _state(app)
    assert tags == {} and tickets == {tagged["first"]: [], tagged["second"]: []}
    assert audit == [("updated", "facturation"), ("deleted", "facture"), ("deleted", "facturation")]


@pytest.mark.parametrize("typed, words", [
    ("   ", "Ce champ est obligatoire."),
    ("x" * 65, "Ce texte est trop long (64 caractères au plus)."),
])
def test_a_bad_name_is_worded_next_to_its_field_and_nothing_changes(app, tagged, typed, words):
    client = _browser(app, "admin@example.com")
    before = _state(app)
    refused = post_form(client, f"/admin/tags/{tagged['factu']}/rename", {"name": typed}, page="/admin/tags")
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    field = re.search(rf'<input id="tag-{tagged["factu"]}-name" name="name" type="text" value="([^"]*)"\s*'
                      rf'aria-invalid="true" aria-describedby="tag-{tagged["factu"]}-name-error">\s*'
                      rf'<div id="tag-{tagged["factu"]}-name-error"><p class="field-error" role="alert">([^<]+)</p>', page)
    assert field and field.group(1) == typed and field.group(2) == words
    assert _state(app) == before


def test_without_its_csrf_token_a_change_is_refused(app, tagged):
    client = _browser(app, "admin@example.com")
    before = _state(app)
    assert client.post(f"/admin/tags/{tagged['factu']}/delete").status_code == 400
    assert client.post(f"/admin/tags/{tagged['factu']}/rename", data={"name": "autre"}).status_code == 400
    assert _state(app) == before


@pytest.mark.parametrize("method, path", [("get", "/admin/tags"), ("post", "/admin/tags/{id}/rename"),
                                          ("post", "/admin/tags/{id}/delete")])
def test_the_tags_page_is_for_admins_only(app, tagged, method, path):
    client = _browser(app, "agent@example.com")
    before = _state(app)
    url = path.format(id=tagged["factu"])
    token_page = "/console/tickets/new"  # any page of theirs with a form: the token is the session's
    response = client.get(url) if method == "get" else post_form(client, url, {"name": "autre"}, page=token_page)
    assert response.status_code == 403
    assert _state(app) == before
