"""The customer list: an agent searches, filters by segment and score, sorts and pages through the
console page; the API gives the same list with cursors; customers only ever see themselves."""
import html
import re
from datetime import timedelta

import pytest

from tests.conftest import counted_get


@pytest.fixture()
def book(app, factory):
    """Seven customers with scores, segments, organizations, tickets and contacts (ids by name)."""
    from helpdesk.extensions import db
    from helpdesk.models import CustomerPhone, Organization, utcnow

    now = utcnow()
    with app.app_context():
        acme = Organization(name="ACME")
        db.session.add(acme)
        db.session.commit()
        acme_id = acme.id
    rows = [
        # name, score, segment, csat, nps class, last contact (hours ago), organization
        ("Alice Martin", 88, "best", 4.8, "promoter", 5, acme_id),
        ("Bruno Petit", 61, "active", 3.9, "passive", 30, None),
        ("Chloe Durand", 22, "dissatisfied", 1.7, "detractor", 1, acme_id),
        ("David Moreau", 61, "high_potential", None, None, None, None),
        ("Emma Leroy", 15, "dissatisfied", 2.1, "detractor", 200, None),
        ("Fabien Roux", None, None, None, None, 48, None),
        ("Gaelle Simon", None, "new", None, None, None, None),
    ]
    ids = {}
    for name, score, segment, csat, nps, hours, org in rows:
        first = name.split()[0].lower()
        ids[first] = factory.customer(
            name=name, email=f"{first}@example.com", customer_score=score, tactical_segment=segment, csat_score=csat,
            nps_class=nps, last_contact_at=now - timedelta(hours=hours) if hours is not None else None, organization_id=org)
    with app.app_context():
        db.session.add(CustomerPhone(customer_id=ids["bruno"], number="+33612345678"))
        db.session.commit()
    factory.ticket(customer_id=ids["chloe"], subject="Panne 1")
    factory.ticket(customer_id=ids["chloe"], subject="Panne 2", status="open")
    factory.ticket(customer_id=ids["chloe"], subject="Ancienne panne", status="closed")
    return ids


@pytest.fixture()
def agent(factory, auth):
    factory.user("agent", email="agent@example.com", name="Agnès")
    auth.login("agent@example.com")


def _rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-customer-id="(\d+)">', page)]


def _row(page: str, customer_id: int) -> str:
    return re.search(rf'<tr data-customer-id="{customer_id}">(.*?)</tr>', page, re.S).group(1)


def _cells(row: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", html.unescape(cell)).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


# --- console page -------------------------------------------------------------------------------------


def test_console_navigation_links_the_customer_list(client, agent):
    page = client.get("/console").get_data(as_text=True)
    assert 'href="/console/customers"' in page
    listing = client.get("/console/customers").get_data(as_text=True)
    assert re.search(r'<a href="/console/customers" aria-current="page">', listing)


def test_customer_list_shows_each_column(client, agent, book):
    page = client.get("/console/customers").get_data(as_text=True)
    assert _rows(page) == [book[k] for k in ("alice", "bruno", "chloe", "david", "emma", "fabien", "gaelle")]
    name, organization, segment, score, csat, nps, open_tickets, last_contact = _cells(_row(page, book["chloe"]))
    assert name.startswith("Chloe Durand") and organization == "ACME" and segment == "Mécontent"
    assert (score, csat, nps, open_tickets) == ("22", "1.7", "détracteur", "2")
    assert last_contact and last_contact != "jamais"
    assert _cells(_row(page, book["gaelle"]))[3:8] == ["—", "—", "—", "0", "jamais"]
    assert f'href="/console/customers/{book["chloe"]}"' in page


@pytest.mark.parametrize("query, expected", [
    ("dur", ["chloe"]),  # part of a name, any case
    ("EMMA@", ["emma"]),  # part of an e-mail address
    ("06 12 34 56 78", ["bruno"]),  # a phone number in another format than stored
])
def test_agent_searches_by_name_email_or_phone(client, agent, book, query, expected):
    page = client.get("/console/customers", query_string={"q": query}).get_data(as_text=True)
    assert _rows(page) == [book[k] for k in expected]


def test_filters_by_segment_and_score_range_and_keeps_them_in_the_form(client, agent, book):
    page = client.get("/console/customers?segment=dissatisfied").get_data(as_text=True)
    assert _rows(page) == [book["chloe"], book["emma"]]
    assert '<option value="dissatisfied" selected>' in page
    ranged = client.get("/console/customers?min_score=20&max_score=61&sort=score").get_data(as_text=True)
    assert _rows(ranged) == [book["david"], book["bruno"], book["chloe"]]  # 61, 61 (the later id first), 22
    assert 'name="min_score" value="20"' in ranged and 'name="max_score" value="61"' in ranged


def test_sorts_by_score_and_by_last_contact_with_the_unknown_last(client, agent, book):
    by_score = _rows(client.get("/console/customers?sort=score").get_data(as_text=True))
    assert by_score == [book[k] for k in ("alice", "david", "bruno", "chloe", "emma", "gaelle", "fabien")]
    by_contact = _rows(client.get("/console/customers?sort=last_contact").get_data(as_text=True))
    assert by_contact == [book[k] for k in ("chloe", "alice", "bruno", "fabien", "emma", "gaelle", "david")]


@pytest.mark.parametrize("sort", ["name", "score", "last_contact"])
def test_pages_through_everyone_once_keeping_filters(client, agent, book, monkeypatch, sort):
    import helpdesk.console.routes as console_routes

    whole = _rows(client.get(f"/console/customers?sort={sort}").get_data(as_text=True))
    monkeypatch.setattr(console_routes, "PAGE_SIZE", 2)
    seen, url, pages = [], f"/console/customers?sort={sort}", 0
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += _rows(page)
        pages += 1
        found = re.search(r'<a class="button" href="([^"]+)" rel="next">', page)
        url = html.unescape(found.group(1)) if found else None
        if url:
            assert f"sort={sort}" in url
    assert seen == whole and len(seen) == 7 and pages == 4


def test_next_page_keeps_the_segment_filter(client, agent, book, monkeypatch):
    import helpdesk.console.routes as console_routes

    monkeypatch.setattr(console_routes, "PAGE_SIZE", 1)
    first = client.get("/console/customers?segment=dissatisfied&sort=score").get_data(as_text=True)
    next_url = html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    assert "segment=dissatisfied" in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert _rows(first) == [book["chloe"]] and _rows(second) == [book["emma"]]
    assert 'rel="next"' not in second


def test_empty_states(client, agent, book):
    nobody = client.get("/console/customers?q=zzz").get_data(as_text=True)
    assert _rows(nobody) == [] and "Aucun client ne correspond à ces critères." in nobody


def test_empty_list_without_filters_says_there_are_no_customers_yet(client, agent):
    page = client.get("/console/customers").get_data(as_text=True)
    assert "Aucun client pour l'instant." in page


def test_bad_filter_value_is_named_on_the_page(client, agent, book):
    response = client.get("/console/customers?min_score=beaucoup&segment=gold")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "min_score" in page and "segment" in page
    assert 'name="min_score" value="beaucoup"' in page  # kept for correcting


def _statements(app, client, url) -> int:
    return counted_get(app, client, url)[0]


def test_page_costs_the_same_queries_whatever_its_size(app, client, agent, factory):
    for i in range(3):
        factory.customer(name=f"Petit {i}", customer_score=50 + i)
    client.get("/console/customers")  # the session's first request loads what every request caches
    small = _statements(app, client, "/console/customers?sort=score")
    for i in range(30):
        customer = factory.customer(name=f"Grand {i}", customer_score=10 + i, tactical_segment="active")
        factory.ticket(customer_id=customer)
    big = _statements(app, client, "/console/customers?sort=score")
    assert big == small


def test_customers_cannot_open_the_customer_list(client, factory, auth):
    factory.user("customer", email="c@example.com")
    auth.login("c@example.com")
    assert client.get("/console/customers").status_code == 403


# --- API ----------------------------------------------------------------------------------------------


@pytest.fixture()
def staff_headers(factory, auth):
    factory.user("agent", email="api-agent@example.com")
    return {"Authorization": f"Bearer {auth.token('api-agent@example.com')}"}


def _walk(client, url, headers) -> tuple[list[int], int]:
    ids, cursor, pages = [], None, 0
    while True:
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return ids, pages


def test_api_filters_by_segment_and_score_and_items_carry_scores(client, book, staff_headers):
    body = client.get("/api/v1/customers?segment=dissatisfied", headers=staff_headers).get_json()
    assert [c["id"] for c in body["items"]] == [book["chloe"], book["emma"]] and body["next_cursor"] is None
    chloe = body["items"][0]
    assert chloe["customer_score"] == 22 and chloe["tactical_segment"] == "dissatisfied" and chloe["open_tickets"] == 2
    assert chloe["segment"] == "standard"  # the commercial segment keeps its name
    ranged = client.get("/api/v1/customers?min_score=60&max_score=90&sort=score", headers=staff_headers).get_json()
    assert [c["id"] for c in ranged["items"]] == [book["alice"], book["david"], book["bruno"]]


@pytest.mark.parametrize("sort, order", [
    ("name", ["alice", "bruno", "chloe", "david", "emma", "fabien", "gaelle"]),
    ("score", ["alice", "david", "bruno", "chloe", "emma", "gaelle", "fabien"]),
    ("last_contact", ["chloe", "alice", "bruno", "fabien", "emma", "gaelle", "david"]),
])
def test_api_cursor_walks_every_customer_once_in_order(client, book, staff_headers, sort, order):
    ids, pages = _walk(client, f"/api/v1/customers?sort={sort}&limit=2", staff_headers)
    assert ids == [book[k] for k in order] and pages == 4


def test_api_cursor_keeps_working_with_filters(client, book, staff_headers):
    ids, pages = _walk(client, "/api/v1/customers?segment=dissatisfied&sort=score&limit=1", staff_headers)
    assert ids == [book["chloe"], book["emma"]] and pages == 2


@pytest.mark.parametrize("query, field", [
    ("min_score=abc", "min_score"),
    ("max_score=101", "max_score"),
    ("min_score=-1", "min_score"),
    ("min_score=80&max_score=20", "min_score"),
    ("segment=gold", "segment"),
    ("sort=age", "sort"),
    ("phone=not-a-number", "phone"),
    ("cursor=%%%", "cursor"),
    ("limit=0", "limit"),
])
def test_api_bad_filter_values_are_400_naming_the_field(client, staff_headers, query, field):
    response = client.get(f"/api/v1/customers?{query}", headers=staff_headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]["fields"]


def test_api_cursor_of_another_sort_is_refused(client, book, staff_headers):
    cursor = client.get("/api/v1/customers?sort=name&limit=2", headers=staff_headers).get_json()["next_cursor"]
    response = client.get(f"/api/v1/customers?sort=score&limit=2&cursor={cursor}", headers=staff_headers)
    assert response.status_code == 400 and "cursor" in response.get_json()["error"]["details"]["fields"]


# --- a customer lists only themselves, without scores -----------------------------------------------


@pytest.fixture()
def customer_headers(app, factory, auth, book):
    from helpdesk.extensions import db
    from helpdesk.models import User

    user_id = factory.user("customer", email="chloe@example.com")
    with app.app_context():
        assert db.session.get(User, user_id).customer_id == book["chloe"]
    return {"Authorization": f"Bearer {auth.token('chloe@example.com')}"}


def test_customer_listing_gets_only_themselves_without_score_fields(client, book, customer_headers):
    body = client.get("/api/v1/customers", headers=customer_headers).get_json()
    assert [c["id"] for c in body["items"]] == [book["chloe"]]
    assert "customer_score" not in body["items"][0] and "tactical_segment" not in body["items"][0]


@pytest.mark.parametrize("query", ["min_score=50", "max_score=10", "segment=best", "sort=score&min_score=90"])
def test_customer_cannot_probe_their_score_through_filters(client, book, customer_headers, query):
    # Applied, these filters would hide the customer and so reveal their score or segment.
    body = client.get(f"/api/v1/customers?{query}", headers=customer_headers).get_json()
    assert [c["id"] for c in body["items"]] == [book["chloe"]]
