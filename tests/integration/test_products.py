"""The product catalogue as admins run it, over the API and in the browser (CSRF on): products added,
changed and imported from a spreadsheet's CSV, each bad field named by a code and worded on the page,
nothing stored on a refusal, every change in the audit log; customers' products registered on a fresh
install get their warranty end from the catalogue."""
import io
import re

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Product
from tests.conftest import PASSWORD
from tests.forms import post_form

KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture()
def staff(app, factory, auth):
    factory.user("admin", email="admin@example.com", name="Ada Admin")
    factory.user("agent", email="agent@example.com", name="Paul Agent")
    factory.user("customer", email="lea@example.com")
    return {role: {"Authorization": f"Bearer {auth.token(email)}"}
            for role, email in (("admin", "admin@example.com"), ("agent", "agent@example.com"),
                                ("customer", "lea@example.com"))}


@pytest.fixture()
def browser_admin(app):
    """An admin's browser on the app with CSRF on, logged in."""
    from helpdesk import create_app

    served = create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS})
    client = served.test_client()
    assert post_form(client, "/login", {"email": "admin@example.com", "password": PASSWORD}).status_code == 302
    return client


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audit_rows(app, object_type: str = "product") -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == object_type)
                                       .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return rows


# --- API -------------------------------------------------------------------------------------------------


def test_a_fresh_install_gets_a_catalogue_and_a_customers_product_its_warranty_end(app, client, staff, factory):
    created = client.post("/api/v1/products", headers=staff["admin"], json={
        "sku": "box-fibre-2", "name": "Box Fibre 2", "family": "Box", "warranty_months": 24})
    assert created.status_code == 201, created.get_json()
    product = created.get_json()
    assert product["sku"] == "BOX-FIBRE-2" and product["active"] is True
    customer_id = factory.customer("Léa Martin", email="lea.martin@example.com")
    owned = client.post(f"/api/v1/customers/{customer_id}/products", headers=staff["agent"],
                        json={"sku": "BOX-FIBRE-2", "purchased_at": "2025-03-15"})
    assert owned.status_code == 201, owned.get_json()
    assert owned.get_json()["warranty_until"] == "2027-03-15"
    listed = client.get("/api/v1/products?q=fibre", headers=staff["agent"]).get_json()
    assert [p["sku"] for p in listed["items"]] == ["BOX-FIBRE-2"]


def test_bad_fields_are_named_by_codes_and_nothing_is_stored(app, client, staff):
    refused = client.post("/api/v1/products", headers=staff["admin"], json={
        "sku": "", "name": "x" * 201, "warranty_months": -1, "active": "peut-être", "colour": "red"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["details"]["fields"] == {
        "sku": "required", "name": "too_long", "warranty_months": "out_of_range", "active": "not_true_or_false",
        "colour": "unknown_field"}
    client.post("/api/v1/products", headers=staff["admin"], json={"sku": "TV-55", "name": "Téléviseur 55"})
    duplicate = client.post("/api/v1/products", headers=staff["admin"], json={"sku": "tv-55", "name": "Autre"})
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["code"] == "duplicate"
    assert duplicate.get_json()["error"]["details"]["fields"] == {"sku": "duplicate"}
    assert count(app, Product) == 1 and len(audit_rows(app)) == 1  # only the good creation


def test_changes_are_audited_field_by_field(app, client, staff):
    product = client.post("/api/v1/products", headers=staff["admin"], json={"sku": "DEC-4K", "name": "Décodeur"}).get_json()
    changed = client.patch(f"/api/v1/products/{product['id']}", headers=staff["admin"],
                           json={"name": "Décodeur 4K", "warranty_months": 36})
    assert changed.status_code == 200 and changed.get_json()["warranty_months"] == 36
    client.patch(f"/api/v1/products/{product['id']}", headers=staff["admin"], json={"active": False})
    client.patch(f"/api/v1/products/{product['id']}", headers=staff["admin"], json={"name": "Décodeur 4K"})  # no change
    created, updated, deactivated = audit_rows(app)
    assert (created.action, created.actor_name, created.object_type, created.object_id) == (
        "created", "Ada Admin", "product", product["id"])
    assert updated.action == "updated" and updated.changes == {"name": ["Décodeur", "Décodeur 4K"],
                                                                 "warranty_months": [24, 36]}
    assert deactivated.action == "deactivated" and deactivated.changes == {"active": [True, False]}

    log = client.get(f"/api/v1/admin/audit?object=product:{product['id']}", headers=staff["admin"]).get_json()
    assert [e["action"] for e in log["items"]] == ["deactivated", "updated", "created"]  # newest first
    assert log["items"][1]["changes"]["warranty_months"] == {"before": 24, "after": 36}
    bad = client.get("/api/v1/admin/audit?from=2026-13-01&object=planet", headers=staff["admin"])
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["fields"] == {"from": "bad_date",
                                                                                        "object": "unknown_object"}


@pytest.mark.parametrize("role, method, path, status", [
    ("agent", "post", "/api/v1/products", 403),
    ("agent", "patch", "/api/v1/products/{id}", 403),
    ("agent", "post", "/api/v1/products/import", 403),
    ("agent", "get", "/api/v1/admin/audit", 403),
    ("customer", "get", "/api/v1/products", 403),
    ("customer", "get", "/api/v1/products/{id}", 403),
])
def test_who_may_read_and_change_the_catalogue(app, client, staff, role, method, path, status):
    product = client.post("/api/v1/products", headers=staff["admin"], json={"sku": "P1", "name": "Produit"}).get_json()
    response = getattr(client, method)(path.format(id=product["id"]), headers=staff[role], json={"name": "Pirate"})
    assert response.status_code == status
    with app.app_context():
        assert db.session.get(Product, product["id"]).name == "Produit"


def test_the_api_imports_a_csv_body(app, client, staff):
    response = client.post("/api/v1/products/import", headers={**staff["admin"], "Content-Type": "text/csv"},
                           data="sku,name,warranty_months\nA1,Alpha,12\nB2,,12\n".encode())
    assert response.status_code == 200
    assert response.get_json() == {"created": 1, "updated": 0, "unchanged": 0,
                                   "rejected": [{"line": 3, "fields": {"name": "required"}}]}


# --- in the browser ------------------------------------------------------------------------------------


def test_an_admin_adds_a_product_and_a_refused_form_keeps_what_was_typed(app, staff, browser_admin):
    client = browser_admin
    refused = post_form(client, "/admin/products/new", {"sku": "", "name": "Routeur Wi-Fi 7", "family": "Réseau",
                                                        "warranty_months": "24", "active": "y"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Ce champ est obligatoire." in page and 'value="Routeur Wi-Fi 7"' in page and 'value="Réseau"' in page
    assert re.search(r'id="sku"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="sku"', page)
    assert count(app, Product) == 0

    done = post_form(client, "/admin/products/new", {"sku": "wifi-7", "name": "Routeur Wi-Fi 7", "family": "Réseau",
                                                     "warranty_months": "36", "active": "y"})
    assert done.status_code == 302
    listing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "WIFI-7" in listing and "Routeur Wi-Fi 7" in listing and "Produit WIFI-7 ajouté au catalogue." in listing
    again = post_form(client, "/admin/products/new", {"sku": "WiFi-7", "name": "Doublon", "warranty_months": "1"})
    assert again.status_code == 400 and "Cette valeur est déjà utilisée." in again.get_data(as_text=True)
    assert count(app, Product) == 1


def test_an_admin_changes_a_product_and_reads_it_in_the_audit_log(app, staff, browser_admin):
    client = browser_admin
    post_form(client, "/admin/products/new", {"sku": "TV-65", "name": "Téléviseur 65", "warranty_months": "24",
                                              "active": "y"})
    with app.app_context():
        product_id = db.session.scalar(select(Product.id))
    edit = f"/admin/products/{product_id}"
    assert 'value="Téléviseur 65"' in client.get(edit).get_data(as_text=True)
    assert post_form(client, edit, {"sku": "TV-65", "name": "Téléviseur 65 pouces", "warranty_months": "60"}).status_code == 302
    page = client.get("/admin/audit?object=product").get_data(as_text=True)
    assert "Ada Admin" in page and "Téléviseur 65 pouces" in page and "désactivation" in page  # unticked: withdrawn
    assert "24 → 60" in page


def test_a_spreadsheet_import_reports_each_refused_line(app, staff, browser_admin):
    client = browser_admin
    post_form(client, "/admin/products/new", {"sku": "EXIST-1", "name": "Ancien nom", "warranty_months": "12", "active": "y"})
    sheet = ("\ufeffRéférence;Nom;Famille;Garantie_mois;Actif\n"
             "NEW-1;Box Fibre;Box;24;oui\n"
             "EXIST-1;Nouveau nom;;12;oui\n"
             ";Sans référence;;24;oui\n"
             "NEW-2;Décodeur;TV;douze;oui\n"
             "NEW-1;Encore;Box;24;oui\n").encode("utf-8")
    response = post_form(client, "/admin/products/import", {"file": (io.BytesIO(sheet), "catalogue.csv")},
                         page="/admin/products", content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 créés, 1 modifiés, 0 inchangés, 3 lignes refusées." in page
    for line, problem in ((4, "Ce champ est obligatoire."), (5, "Indiquez un nombre entier."),
                          (6, "Cette référence figure déjà plus haut dans le fichier.")):
        assert re.search(rf'<td class="num">{line}</td><td><code>\w+</code></td><td>{re.escape(problem)}</td>', page)
    with app.app_context():
        assert dict(db.session.execute(select(Product.sku, Product.name)).all()) == {
            "EXIST-1": "Nouveau nom", "NEW-1": "Box Fibre"}
    unreadable = post_form(client, "/admin/products/import", {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\xff\xfe"), "x.csv")},
                           page="/admin/products", content_type="multipart/form-data")
    assert unreadable.status_code == 400 and "sku et name" in unreadable.get_data(as_text=True)


def test_the_audit_csv_opens_in_a_spreadsheet_safely(app, client, staff, browser_admin):
    client.post("/api/v1/products", headers=staff["admin"], json={"sku": "EVIL", "name": "=HYPERLINK(\"http://x\")"})
    response = browser_admin.get("/admin/audit.csv?object=product")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffid,occurred_at,")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


@pytest.mark.parametrize("path", ["/admin/products", "/admin/products/new", "/admin/audit", "/admin/audit.csv"])
def test_admin_pages_are_for_admins_only(app, client, staff, auth, path):
    auth.login("agent@example.com")
    assert client.get(path).status_code == 403


def test_admin_forms_refuse_a_post_without_its_csrf_token(app, staff, browser_admin):
    response = browser_admin.post("/admin/products/new", data={"sku": "X1", "name": "Sans jeton", "warranty_months": "1"})
    assert response.status_code == 400 and count(app, Product) == 0
