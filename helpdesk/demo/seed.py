"""Realistic French demo data: teams, SLA policies, staff, customers with products and orders,
tickets with their conversations, satisfaction surveys with their answers and follow-ups, and
knowledge-base articles.

`seed_demo()` is idempotent (rows are found by natural keys — team and policy names, user
e-mails, product SKUs, Customer.external_ref "DEMO-C000001", ticket number 10000 + n, a survey
invitation's ticket, article slugs — and only missing ones are inserted) and deterministic
(entity n is drawn from its own random.Random(f"{seed}:<kind>:{n}"), so it is the same whatever
the batch it falls in).

The big tables are written with Core bulk inserts (COPY on PostgreSQL) and ids assigned here
(max(id) + 1 ...), so a ticket's messages, events and tags go in the same batch without
round-trips; PostgreSQL sequences are moved past those ids after each batch. Each batch is one
transaction, so an interrupted run leaves whole tickets (and whole customers) behind and the next
run completes it. Tickets are placed relative to `now`: their ages, and so their statuses, depend
on it. SLA columns are left empty and no SlaClock rows are made (the SLA engine computes them).
"""
from __future__ import annotations

import hashlib
import json
import random
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from email.charset import QP, Charset
from email.header import Header
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from itertools import accumulate
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import JSON, func, insert, select, text, update

from helpdesk.customers.phones import normalise_phone
from helpdesk.demo import data as D
from helpdesk.extensions import db
from helpdesk.models import (
    BusinessCalendar,
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerProduct,
    FollowUp,
    InboundEmail,
    Interaction,
    Message,
    Order,
    Organization,
    Product,
    SLAPolicy,
    SurveyInvitation,
    SurveyResponse,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    User,
    team_members,
    ticket_tags,
)
from helpdesk.models.types import utcnow
from helpdesk.sla.calendar import add_business_days
from helpdesk.sla.service import load_sla_context
from helpdesk.surveys import rules as survey_rules
from helpdesk.surveys.followups import outcome_label
from helpdesk.surveys.service import answer_summary, survey_settings
from helpdesk.text import plain_to_html, render_markdown

DEMO_PASSWORD = "demo-password"
DEMO_LOGINS = {
    "password": DEMO_PASSWORD,
    "accounts": [
        ("admin", f"admin@{D.DEMO_DOMAIN}"),
        ("lead", f"lead@{D.DEMO_DOMAIN}"),
        ("agent", f"agent@{D.DEMO_DOMAIN}"),
        ("agent", f"technicien@{D.DEMO_DOMAIN}"),
        ("customer", D.PORTAL_DEMO_CUSTOMERS[1][2]),
        ("org admin", D.PORTAL_DEMO_CUSTOMERS[2][2]),
    ],
}

CUSTOMER_REF_PREFIX = "DEMO-C"
TICKET_NUMBER_BASE = 10000
CUSTOMER_BATCH = 1000
TICKET_BATCH = 2000
_MAIL_CHARSET = Charset("utf-8")
_MAIL_CHARSET.body_encoding = QP  # as most mail programs send accented text
ORIGINALS_UP_TO = 20_000  # seeds of at most this many tickets keep their customers' e-mails whole
PORTAL_ACCOUNT_SHARE = 0.15
ORG_MEMBER_SHARE = 0.15

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")

# Hour of day (Paris) at which tickets come in.
_HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1, 3, 8, 9, 8, 5, 5, 8, 8, 7, 6, 4, 2.5, 2, 1.5, 0.8, 0.4)
_HOUR_CUM = list(accumulate(_HOUR_WEIGHTS))
_CHANNELS = ("phone", "email", "portal", "chat", "api")
_CHANNEL_CUM = list(accumulate((35, 28, 25, 8, 4)))
_PRIORITIES = ("low", "normal", "high", "urgent")
_FAN_PURCHASES = tuple(price for _sku, _name, _family, _warranty, price, *_ in D.PRODUCTS if price >= 80)
_PRIORITY_UP = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

_REPORT_ORDER = (
    "business_calendars", "sla_policies", "teams", "staff", "team_members", "tags", "products",
    "organizations", "customers", "customer_phones", "customer_emails", "customer_products", "orders",
    "portal_users", "tickets", "messages", "e-mail originals", "ticket_events", "ticket_tags", "interactions",
    "survey_invitations", "survey_responses", "follow_ups",
    "article_categories", "articles", "article_versions", "article_tags", "article_products",
)


@dataclass
class SeedReport:
    """What a run created, what it found already there, and how long it took."""

    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    existing: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    elapsed_seconds: float = 0.0
    seed: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        names = [n for n in _REPORT_ORDER if n in self.created or n in self.existing]
        names += sorted((set(self.created) | set(self.existing)) - set(names))
        lines = [f"Demo data (seed {self.seed}) in {self.elapsed_seconds:.1f} s:",
                 f"  {'':<20} {'created':>9} {'already there':>14}"]
        for name in names:
            existing = self.existing.get(name)
            lines.append(f"  {name:<20} {self.created.get(name, 0):>9} {'' if existing is None else existing:>14}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _rng(seed: int, kind: str, index: int | str) -> random.Random:
    return random.Random(f"{seed}:{kind}:{index}")


def _ascii(value: str) -> str:
    """"Hélène Lefèvre" -> "helene lefevre" (for e-mail addresses and slugs)."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _slug(value: str) -> str:
    out, dash = [], False
    for c in _ascii(value):
        if c.isalnum():
            out.append(c)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def _local_part(value: str) -> str:
    return "".join(c for c in _ascii(value) if c.isalnum() or c in "-")


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _date_fr(day: date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {D.MONTHS_FR[day.month - 1]}"


def _date_en(day: date) -> str:
    return f"{D.MONTHS_EN[day.month - 1]} {day.day}"


def _money(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") + " €"


_STAFF_STEPS = frozenset({"reply", "note", "assign", "priority", "callback"})


def _opening(at: datetime, rng: random.Random) -> datetime:
    """`at` if the service is open then (Paris, Mon-Fri 9-18, Sat 9-12), else a little after the next opening."""
    local = at.astimezone(PARIS)
    weekday, hour = local.weekday(), local.hour
    if (weekday < 5 and 9 <= hour < 18) or (weekday == 5 and 9 <= hour < 12):
        return at
    day = local.date() if hour < 9 and weekday != 6 else local.date() + timedelta(days=1)
    while day.weekday() == 6:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 9, tzinfo=PARIS) + timedelta(seconds=int(rng.uniform(0, 4500)))
    return start.astimezone(UTC)


class _Values(dict):
    def __missing__(self, key):  # an unknown placeholder renders as nothing rather than failing
        return ""


# ---------------------------------------------------------------------------------------------
# The seeder
# ---------------------------------------------------------------------------------------------


class _Seeder:
    def __init__(self, seed: int, now: datetime, progress: bool, report: SeedReport):
        self.seed = seed
        self.now = now
        self.progress = progress
        self.report = report
        self.session = db.session
        self.dialect = db.engine.dialect.name
        self._next_id: dict[str, int] = {}
        self._dirty_sequences: set[str] = set()
        self._password_hash: str | None = None

    # -- plumbing ---------------------------------------------------------------------------

    def _ids(self, table, count: int) -> int:
        """First of `count` fresh ids for `table` (explicit ids; sequences are advanced later)."""
        name = table.name
        if name not in self._next_id:
            current = self.session.scalar(select(func.max(table.c.id)))
            self._next_id[name] = (current or 0) + 1
        first = self._next_id[name]
        self._next_id[name] += count
        if count:
            self._dirty_sequences.add(name)
        return first

    def _insert(self, table, rows: list[dict], label: str | None = None) -> None:
        if not rows:
            return
        if self.dialect == "postgresql" and len(rows) >= 100:
            self._copy(table, rows)
        else:
            self.session.execute(insert(table), rows)
        self.report.created[label or table.name] += len(rows)

    def _copy(self, table, rows: list[dict]) -> None:
        """PostgreSQL's COPY, several times faster than INSERTs, in the session's transaction.

        The values are what the column types would bind anyway: aware UTC datetimes, dates,
        Decimals, booleans; JSON is serialised here.
        """
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        names = ", ".join(f'"{c}"' for c in columns)
        raw = self.session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            if json_columns:
                for row in rows:
                    copy.write_row([json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
                                    for c in columns])
            else:
                for row in rows:
                    copy.write_row([row[c] for c in columns])

    def _commit(self) -> None:
        self.session.commit()
        self._sync_sequences()

    def _sync_sequences(self) -> None:
        """PostgreSQL's serial sequences do not see explicit ids; move them past the max id."""
        if self.dialect != "postgresql" or not self._dirty_sequences:
            return
        for name in sorted(self._dirty_sequences):
            self.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 1), (SELECT MAX(id) FROM {name}) IS NOT NULL)"
            ))
        self.session.commit()
        self._dirty_sequences.clear()

    def _pipeline(self, items, size, produce, write, desc, unit) -> None:
        """produce(batch) then write(it), batch after batch, with a progress bar.

        (Generating in a worker thread while writing was tried: the GIL makes both sides slower.)"""
        bar = self._bar(len(items), desc, unit)
        try:
            for start in range(0, len(items), size):
                chunk = items[start:start + size]
                write(produce(chunk))
                bar.update(len(chunk))
        finally:
            bar.close()

    def _password(self) -> str:
        if self._password_hash is None:  # argon2 is slow on purpose: hash once, share the hash
            from helpdesk.auth.security import hash_password

            self._password_hash = hash_password(DEMO_PASSWORD)
        return self._password_hash

    def _bar(self, total: int, desc: str, unit: str):
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, disable=not self.progress or total == 0,
                    dynamic_ncols=True, leave=False)

    def _name_map(self, column, key_column) -> dict:
        return {key: id_ for key, id_ in self.session.execute(select(key_column, column))}

    # -- reference data ----------------------------------------------------------------------

    def reference(self) -> None:
        s = self.session
        now = self.now
        # Calendars
        calendars = self._name_map(BusinessCalendar.id, BusinessCalendar.name)
        closed_days = sorted(f"{year}-12-{day}" for year in (now.year - 1, now.year, now.year + 1) for day in (24, 31))
        rows = []
        for key, name, hours in D.CALENDARS:
            if name in calendars:
                continue
            calendars[name] = self._ids(BusinessCalendar.__table__, 1)
            rows.append({"id": calendars[name], "name": name, "timezone": "Europe/Paris", "hours": hours,
                         "holidays_country": "FR", "holidays_subdivision": None,
                         "closed_days": closed_days if key != "tech" else closed_days[-2:], "updated_at": now})
        self._count("business_calendars", len(D.CALENDARS) - len(rows))
        self._insert(BusinessCalendar.__table__, rows)
        self.calendar_ids = {key: calendars[name] for key, name, _ in D.CALENDARS}

        # SLA policies
        policies = self._name_map(SLAPolicy.id, SLAPolicy.name)
        rows = []
        for name, rank, conditions, first, nxt, resolution, escalations in D.SLA_POLICIES:
            if name in policies:
                continue
            policies[name] = self._ids(SLAPolicy.__table__, 1)
            rows.append({"id": policies[name], "name": name, "rank": rank, "calendar_id": None,
                         "conditions": conditions, "first_response_minutes": first, "next_response_minutes": nxt,
                         "resolution_minutes": resolution, "warn_at_percent": 80,
                         "pause_statuses": ["pending_customer", "pending_third_party"],
                         "escalations": escalations, "active": True, "updated_at": now})
        self._count("sla_policies", len(D.SLA_POLICIES) - len(rows))
        self._insert(SLAPolicy.__table__, rows)

        # Teams
        teams = self._name_map(Team.id, Team.name)
        rows = []
        for key, name, email, calendar_key in D.TEAMS:
            if name in teams:
                continue
            teams[name] = self._ids(Team.__table__, 1)
            rows.append({"id": teams[name], "name": name, "email": email, "calendar_id": self.calendar_ids[calendar_key],
                         "default_sla_policy_id": policies[D.DEFAULT_POLICY_NAME], "last_assigned_user_id": None,
                         "created_at": now - timedelta(days=800)})
        self._count("teams", len(D.TEAMS) - len(rows))
        self._insert(Team.__table__, rows)
        self.team_ids = {key: teams[name] for key, name, _, _ in D.TEAMS}

        # Staff
        users = {email.lower(): id_ for email, id_ in s.execute(select(User.email, User.id))}
        self.user_emails = set(users)
        rows = []
        for local, first, last, role, _teams, availability, extension in D.STAFF:
            email = f"{local}@{D.DEMO_DOMAIN}"
            if email in users:
                continue
            users[email] = self._ids(User.__table__, 1)
            rows.append(self._user_row(users[email], email, f"{first} {last}", role, "fr", availability, extension,
                                       None, False, now - timedelta(days=700)))
        self._count("staff", len(D.STAFF) - len(rows))
        self._insert(User.__table__, rows, "staff")
        self.user_emails.update(users)
        self.staff_ids = {local: users[f"{local}@{D.DEMO_DOMAIN}"] for local, *_ in D.STAFF}
        self.staff_first_names = {users[f"{local}@{D.DEMO_DOMAIN}"]: first for local, first, *_ in D.STAFF}
        self.staff_names = {users[f"{local}@{D.DEMO_DOMAIN}"]: f"{first} {last}" for local, first, last, *_ in D.STAFF}

        # Team membership
        existing_pairs = set(s.execute(select(team_members.c.team_id, team_members.c.user_id)))
        rows = []
        for local, _f, _l, _role, team_keys, *_ in D.STAFF:
            for key in team_keys:
                pair = (self.team_ids[key], self.staff_ids[local])
                if pair not in existing_pairs:
                    existing_pairs.add(pair)
                    rows.append({"team_id": pair[0], "user_id": pair[1]})
        self._insert(team_members, rows)
        # Who works each team's tickets (agents only; sorted by e-mail so draws do not depend on ids).
        self.team_agents = {
            key: [self.staff_ids[local] for local, _f, _l, role, keys, *_ in sorted(D.STAFF) if key in keys and role == "agent"]
            for key, *_ in D.TEAMS
        }
        self.lead_id = self.staff_ids["lead"]
        self.authors = [self.staff_ids[local] for local, _f, _l, role, *_ in D.STAFF if role in ("agent", "lead")]

        # Tags
        tags = self._name_map(Tag.id, Tag.name)
        rows = []
        for name in D.TAGS:
            if name not in tags:
                tags[name] = self._ids(Tag.__table__, 1)
                rows.append({"id": tags[name], "name": name})
        self._count("tags", len(D.TAGS) - len(rows))
        self._insert(Tag.__table__, rows)
        self.tag_ids = tags

        # Products
        products = self._name_map(Product.id, Product.sku)
        rows = []
        for sku, name, family, warranty, _price, _weight, _plans in D.PRODUCTS:
            if sku in products:
                continue
            products[sku] = self._ids(Product.__table__, 1)
            rows.append({"id": products[sku], "sku": sku, "name": name, "family": family,
                         "warranty_months": warranty, "active": True})
        self._count("products", len(D.PRODUCTS) - len(rows))
        self._insert(Product.__table__, rows)
        self.product_ids = {sku: products[sku] for sku, *_ in D.PRODUCTS}
        self.product_info = {products[sku]: (family, name) for sku, name, family, *_ in D.PRODUCTS}
        self._commit()

    def canned_responses(self) -> None:
        """The agents' macros (idempotent by title)."""
        from helpdesk.models import CannedResponse

        existing = set(db.session.scalars(select(CannedResponse.title)))
        rows = [spec for spec in CANNED_RESPONSES if spec["title"] not in existing]
        if rows:
            db.session.add_all(CannedResponse(**spec) for spec in rows)
            self._commit()
        self._count("canned_responses", len(existing))
        self.report.created["canned_responses"] += len(rows)

    def _count(self, name: str, existing: int) -> None:
        self.report.existing[name] += existing
        self.report.created.setdefault(name, 0)

    def _user_row(self, id_, email, name, role, locale, availability, extension, customer_id, org_admin, created_at):
        return {"id": id_, "email": email, "name": name, "password_hash": self._password(), "role": role,
                "locale": locale, "active": True, "availability": availability, "extension": extension,
                "customer_id": customer_id, "is_org_admin": org_admin, "created_at": created_at,
                "last_login_at": None}

    # -- organizations and customers --------------------------------------------------------

    def organizations(self) -> None:
        orgs = self._name_map(Organization.id, Organization.name)
        rows = []
        for index, (name, city, segment) in enumerate(D.COMPANIES):
            if name in orgs:
                continue
            rng = _rng(self.seed, "organization", index)
            orgs[name] = self._ids(Organization.__table__, 1)
            rows.append({"id": orgs[name], "name": name, "domain": f"{_slug(name)}.example.com", "segment": segment,
                         "notes": (f"Siège à {city}. " + rng.choice(D.ORGANIZATION_NOTES)) if rng.random() < 0.4
                         else f"Siège à {city}.",
                         "created_at": self.now - timedelta(days=rng.uniform(400, 2500))})
        self._count("organizations", len(D.COMPANIES) - len(rows))
        self._insert(Organization.__table__, rows)
        self.orgs = [(orgs[name], name, segment) for name, _city, segment in D.COMPANIES]
        self._commit()

    def customers(self, count: int) -> None:
        existing = {
            int(ref[len(CUSTOMER_REF_PREFIX):])
            for ref in self.session.scalars(
                select(Customer.external_ref).where(Customer.external_ref.like(CUSTOMER_REF_PREFIX + "%")))
            if ref[len(CUSTOMER_REF_PREFIX):].isdigit()
        }
        missing = [i for i in range(1, count + 1) if i not in existing]
        self._count("customers", count - len(missing))
        self.report.created.setdefault("portal_users", 0)
        if not missing:
            return
        self._catalogue = [(self.product_ids[p[0]],) + p for p in D.PRODUCTS]
        self._catalogue_cum = list(accumulate(p[6] for p in self._catalogue))
        def produce(chunk):
            out = defaultdict(list)
            for i in chunk:
                self._customer(i, out)
            return out

        def write(out):
            self._insert(Customer.__table__, out["customers"])
            self._insert(CustomerPhone.__table__, out["phones"])
            self._insert(CustomerEmail.__table__, out["emails"])
            self._insert(CustomerProduct.__table__, out["products"])
            self._insert(Order.__table__, out["orders"])
            self._insert(User.__table__, out["users"], "portal_users")
            self._commit()

        self._pipeline(missing, CUSTOMER_BATCH, produce, write, "customers", "customer")

    def _customer(self, i: int, out: dict) -> None:
        rng = _rng(self.seed, "customer", i)
        now = self.now
        fixed = D.PORTAL_DEMO_CUSTOMERS.get(i)
        female = rng.random() < 0.52
        english = fixed is None and i not in D.ORG_COLLEAGUES and rng.random() < 0.08
        if english:
            first, last = rng.choice(D.FIRST_NAMES_EN), rng.choice(D.LAST_NAMES_EN)
        else:
            first = rng.choice(D.FIRST_NAMES_F if female else D.FIRST_NAMES_M)
            last = rng.choice(D.LAST_NAMES)
        org = None
        org_roll = rng.random()
        org_pick = rng.random()
        if fixed is not None:
            first, last = fixed[0], fixed[1]
            if fixed[4] is not None:
                org = self.orgs[fixed[4]]
        elif i in D.ORG_COLLEAGUES:
            org = self.orgs[D.ORG_COLLEAGUES[i]]
        elif org_roll < ORG_MEMBER_SHARE:
            org = self.orgs[int(len(self.orgs) * org_pick ** 1.6)]  # a few organizations are much bigger

        f, l = _local_part(first), _local_part(last)
        pattern = rng.randrange(4)
        local = (f"{f}.{l}", f"{f[0]}{l}", f"{l}.{f}", f"{f}.{l[0]}")[pattern]
        if fixed is not None:
            email = fixed[2]
        elif org is not None:
            email = f"{f}.{l}{i}@{_slug(org[1])}.example.com"
        else:
            email = f"{local}{i}@{rng.choice(D.PERSONAL_MAIL_DOMAINS)}"

        if fixed is not None:
            segment = fixed[3]
        elif org is not None:
            segment = org[2] if rng.random() < 0.5 else "business"
        else:
            r = rng.random()
            segment = "vip" if r < 0.05 else "premium" if r < 0.25 else "standard"
        recent = rng.random() < 0.1
        since_days = rng.uniform(20, 400) if recent else rng.uniform(400, 2500)
        created_at = (now - timedelta(days=since_days)).replace(microsecond=0)
        if since_days < 90:
            lifecycle = "new"
        else:
            r = rng.random()
            lifecycle = "active" if r < 0.55 else "loyal" if r < 0.8 else "at_risk" if r < 0.92 else "churned"
        r = rng.random()
        preferred = "phone" if r < 0.35 else "email" if r < 0.7 else "portal" if r < 0.85 else "chat" if r < 0.9 else None
        customer_id = self._ids(Customer.__table__, 1)
        out["customers"].append({
            "id": customer_id, "name": f"{first} {last}", "email": email,
            "organization_id": org[0] if org else None, "language": "en" if english else "fr",
            "preferred_channel": preferred, "segment": segment, "lifecycle_stage": lifecycle,
            "consent_email": rng.random() < 0.85, "consent_sms": rng.random() < 0.4,
            "consent_surveys": rng.random() < 0.9,
            "notes": rng.choice(D.CUSTOMER_NOTES) if rng.random() < 0.08 else None,
            "external_ref": f"{CUSTOMER_REF_PREFIX}{i:06d}", "created_at": created_at, "updated_at": created_at,
        })

        # Phone numbers, written the many ways people write them, stored in E.164.
        phone_count = 0 if rng.random() < 0.03 else 2 if rng.random() < 0.25 else 1
        for k in range(phone_count):
            prefix = (rng.choice(D.FICTIONAL_MOBILE_PREFIXES) if k == 0
                      else rng.choice(D.FICTIONAL_LANDLINE_PREFIXES))
            digits = f"{rng.randrange(10000):04d}"
            national = f"{prefix} {digits[:2]} {digits[2:]}"
            style = rng.randrange(4)
            raw = (national, national.replace(" ", ""), national.replace(" ", "."),
                   "+33 " + national[1:])[style]
            number = normalise_phone(raw, "FR")
            if number:
                label = "mobile" if k == 0 else ("work" if org else "home")
                out["phones"].append({"id": self._ids(CustomerPhone.__table__, 1), "customer_id": customer_id,
                                      "number": number, "label": label})
        if rng.random() < 0.1:
            out["emails"].append({"id": self._ids(CustomerEmail.__table__, 1), "customer_id": customer_id,
                                  "email": f"{f}.{l}.perso{i}@{rng.choice(D.PERSONAL_MAIL_DOMAINS)}"})

        # Products owned, with warranty and contract, and the orders that bought them.
        today = now.date()
        earliest = max(created_at.date(), today - timedelta(days=730))
        span = max((today - earliest).days - 3, 1)
        owned = 3 if fixed is not None else rng.choices((1, 2, 3), (50, 35, 15))[0]
        purchases: list[tuple[datetime, float]] = []  # (ordered_at, amount) of the sales system's orders
        for _ in range(owned):
            product_id, sku, name, family, warranty, price, _w, plans = rng.choices(
                self._catalogue, cum_weights=self._catalogue_cum)[0]
            purchased = earliest + timedelta(days=rng.randrange(span))
            contract_until = plan = None
            if plans:
                months, names = plans
                plan = rng.choice(names)
                contract_until = _add_months(purchased, months) if months else None
            status = "active"
            r = rng.random()
            if family != D.F_SUB and r < 0.04:
                status = "returned"
            elif r < 0.07:
                status = "retired"
            serial = None
            if family != D.F_SUB:
                serial = f"{sku.split('-')[0]}{rng.randrange(10**9):09d}"
            out["products"].append({
                "id": self._ids(CustomerProduct.__table__, 1), "customer_id": customer_id, "product_id": product_id,
                "serial": serial, "purchased_at": purchased,
                "warranty_until": _add_months(purchased, warranty) if warranty else None,
                "contract_until": contract_until, "plan": plan, "status": status,
            })
            if price > 0:
                discount = rng.choice((0, 0, 0, 0.1, 0.2))
                ordered_at = datetime(purchased.year, purchased.month, purchased.day, rng.randrange(7, 22),
                                      rng.randrange(60), tzinfo=UTC)
                purchases.append((ordered_at, price * (1 - discount)))
        extras = []
        for _ in range(rng.choices((0, 1, 2, 3, 4, 6), (30, 25, 18, 12, 9, 6))[0]):
            _label, price = rng.choice(D.ACCESSORY_ORDERS)
            ordered_at = (datetime.combine(earliest, datetime.min.time(), UTC)
                          + timedelta(days=rng.randrange(span), hours=rng.uniform(7, 22))).replace(microsecond=0)
            extras.append((ordered_at, price * rng.choice((1, 1, 2))))
        orders = self._orders_for_profile(i, fixed is not None, created_at, purchases, extras)
        out["orders"].extend(self._order_row(i, k, customer_id, at, amount) for k, (at, amount) in enumerate(orders, 1))

        # A portal account for some customers (same e-mail), one of them an org admin.
        if (fixed is not None or _rng(self.seed, "portal", i).random() < PORTAL_ACCOUNT_SHARE) \
                and email.lower() not in self.user_emails:
            self.user_emails.add(email.lower())
            org_admin = bool(fixed and fixed[5])
            out["users"].append(self._user_row(
                self._ids(User.__table__, 1), email, f"{first} {last}", "customer", "en" if english else "fr",
                "offline", None, customer_id, org_admin, created_at + timedelta(days=rng.uniform(0, 30))))

    def _orders_for_profile(self, i: int, fixed: bool, since: datetime, purchases: list,
                            extras: list) -> list[tuple[datetime, float]]:
        """The orders the sales system knows of, by buyer profile (its own draw, so names, products and
        tickets do not depend on it): a few bought everything at a partner shop (no order), many once
        long ago, most now and then, and a small share of fans who buy often, recently, and more."""
        rng = _rng(self.seed, "buyer", i)
        profile = "fan" if fixed else rng.choices(D.BUYER_PROFILES, cum_weights=D.BUYER_PROFILE_CUM)[0]
        if profile == "shop":
            return []
        if profile == "once":
            return sorted(purchases + extras)[:1]
        orders = purchases + extras
        if profile == "fan":
            for _ in range(rng.randint(5, 10)):
                at = max(self.now - timedelta(days=rng.uniform(1, 150), hours=rng.uniform(0, 12)),
                         since + timedelta(days=1))
                amount = (rng.choice(_FAN_PURCHASES) if rng.random() < 0.35
                          else rng.choice(D.ACCESSORY_ORDERS)[1] * rng.randint(1, 3))
                orders.append((at.replace(microsecond=0), amount))
        return sorted(orders)

    def _order_row(self, i, k, customer_id, ordered_at, amount):
        return {"id": self._ids(Order.__table__, 1), "customer_id": customer_id, "ordered_at": ordered_at,
                "amount": Decimal(f"{amount:.2f}"), "currency": "EUR", "reference": f"DEMO-CMD-{i:06d}-{k:02d}"}

    # -- tickets -----------------------------------------------------------------------------

    def tickets(self, count: int) -> None:
        s = self.session
        high = TICKET_NUMBER_BASE + count
        existing = set(s.scalars(select(Ticket.number).where(Ticket.number > TICKET_NUMBER_BASE, Ticket.number <= high)))
        missing = [n for n in range(1, count + 1) if TICKET_NUMBER_BASE + n not in existing]
        self._count("tickets", count - len(missing))
        if not missing:
            return
        pool = self._customer_pool()
        if not pool:
            self.report.notes.append("no demo customers: tickets skipped (run with --customers > 0)")
            return
        self.pool = pool
        # The e-mails customers wrote are kept whole, as received mail is, so "see the original" shows
        # one; not for the benchmark's large data sets, where they would only weigh.
        self.keep_originals = count <= ORIGINALS_UP_TO
        self.support_address = current_app.config["MAIL_DEFAULT_SENDER"]
        self.topics_en = [t for t in D.TOPICS if t.get("subjects_en")]
        self.topic_cum = list(accumulate(t["weight"] for t in D.TOPICS))
        self.topic_en_cum = list(accumulate(t["weight"] for t in self.topics_en))

        def produce(chunk):
            out = defaultdict(list)
            for n in chunk:
                self._ticket(n, out)
            return out

        def write(out):
            self._insert(Ticket.__table__, out["tickets"])
            self._insert(Message.__table__, out["messages"])
            self._insert(InboundEmail.__table__, out["inbound"], "e-mail originals")
            self._insert(TicketEvent.__table__, out["events"])
            self._insert(ticket_tags, out["tags"])
            self._insert(Interaction.__table__, out["interactions"])
            self._commit()

        self._pipeline(missing, TICKET_BATCH, produce, write, "tickets", "ticket")
        # The customer card's "last contact": one statement for all demo customers.
        latest = (select(func.max(Ticket.created_at)).where(Ticket.customer_id == Customer.id)
                  .correlate(Customer).scalar_subquery())
        s.execute(update(Customer).where(Customer.external_ref.like(CUSTOMER_REF_PREFIX + "%"))
                  .values(last_contact_at=latest).execution_options(synchronize_session=False))
        self._commit()

    def _original(self, ticket_id: int, message_id: int, email_id: str, name: str, address: str, subject: str,
                  number: int, message_no: int, body: str, at: datetime, english: bool) -> dict:
        """The e-mail as the customer's mail program sent it: the text kept on the ticket, then the
        signature and, on a reply, the quoted history that the ticket leaves out."""
        # The compat32 classes: what the default policy's header objects do here (parse every header
        # back) cost 1.1 ms a message, a quarter of the seed at 1M tickets; these take 0.2 ms.
        text = f"{body}\n\n-- \n{name}\n"
        if message_no > 1:
            said = "Support wrote:" if english else "Le support a écrit :"
            text += f"\n{said}\n> {subject}\n"
        mail = MIMEText(text, "plain", _MAIL_CHARSET)
        mail["From"] = formataddr((name, address), charset="utf-8")
        mail["To"] = self.support_address
        subject_line = subject if message_no == 1 else f"Re: [#{number}] {subject}"
        mail["Subject"] = Header(subject_line, "utf-8")
        mail["Date"] = format_datetime(at)
        mail["Message-ID"] = email_id
        if message_no > 1:
            mail["In-Reply-To"] = mail["References"] = f"<demo-{number}-{message_no - 1}@{D.DEMO_DOMAIN}>"
        raw = mail.as_bytes()
        return {"id": self._ids(InboundEmail.__table__, 1), "message_id": email_id,
                "content_hash": hashlib.sha256(raw).hexdigest(), "source": "pipe", "sender": address.lower(),
                "subject": subject_line[:300], "size": len(raw), "raw": raw, "state": "processed",
                "reason": None, "ticket_id": ticket_id, "ticket_message_id": message_id, "created_ticket": message_no == 1,
                "received_at": at, "processed_at": at}

    def _customer_pool(self) -> list[tuple]:
        s = self.session
        rows = s.execute(
            select(Customer.id, Customer.external_ref, Customer.name, Customer.language, Customer.segment,
                   Customer.preferred_channel, Customer.created_at, Customer.email)
            .where(Customer.external_ref.like(CUSTOMER_REF_PREFIX + "%"))
        ).all()
        products = defaultdict(list)
        cp_query = (
            select(CustomerProduct.customer_id, CustomerProduct.id, CustomerProduct.product_id,
                   CustomerProduct.serial, CustomerProduct.purchased_at, CustomerProduct.warranty_until)
            .join(Customer, Customer.id == CustomerProduct.customer_id)
            .where(Customer.external_ref.like(CUSTOMER_REF_PREFIX + "%"))
            .order_by(CustomerProduct.id)
        )
        for customer_id, cp_id, product_id, serial, purchased, warranty in s.execute(cp_query):
            family, name = self.product_info.get(product_id, (None, "produit"))
            products[customer_id].append((cp_id, family, name, serial, purchased, warranty))
        accounts = dict(s.execute(select(User.customer_id, User.id).where(User.role == "customer",
                                                                          User.customer_id.is_not(None))).all())
        pool = []
        for id_, ref, name, language, segment, preferred, created_at, email in rows:
            suffix = ref[len(CUSTOMER_REF_PREFIX):]
            if suffix.isdigit():
                pool.append((int(suffix), id_, name, language, segment, preferred, created_at,
                             products.get(id_, []), accounts.get(id_), email))
        pool.sort()
        return pool

    def _ticket(self, n: int, out: dict) -> None:  # noqa: C901 (one ticket's whole story, read top to bottom)
        rng = _rng(self.seed, "ticket", n)
        now = self.now
        number = TICKET_NUMBER_BASE + n

        # When: over the last 12 months, in office hours mostly, fewer at weekends.
        local = (now - timedelta(days=rng.random() * 365)).astimezone(PARIS)
        hour = rng.choices(range(24), cum_weights=_HOUR_CUM)[0]
        local = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        if local.weekday() >= 5 and rng.random() < 0.6:
            local -= timedelta(days=local.weekday() - 4)
        created = local.astimezone(UTC)
        if created > now - timedelta(minutes=20):
            created = (now - timedelta(minutes=rng.uniform(20, 240))).replace(microsecond=0)

        # Who: some customers contact us much more than others (spread over the pool by a fixed
        # permutation, so they are not simply the first ones); the customer existed by then.
        pool = self.pool
        size = len(pool)
        stride = 1_000_003 if size % 1_000_003 else 1

        def pick():
            return pool[(int(size * rng.random() ** 1.4) * stride + 12345) % size]

        customer = pick()
        for _ in range(4):
            if customer[6] < created:
                break
            customer = pick()
        if customer[6] >= created:
            created = (customer[6] + (now - customer[6]) * (0.1 + 0.8 * rng.random())).replace(microsecond=0)
        _idx, customer_id, customer_name, language, segment, preferred, _since, owned, account_id, email = customer
        english = language == "en"

        # What
        if english:
            topic = rng.choices(self.topics_en, cum_weights=self.topic_en_cum)[0]
        else:
            topic = rng.choices(D.TOPICS, cum_weights=self.topic_cum)[0]
        priority = rng.choices(_PRIORITIES, weights=topic["priorities"])[0]
        if segment == "vip" and rng.random() < 0.5:
            priority = _PRIORITY_UP[priority]
        if preferred and rng.random() < 0.5:
            channel = preferred
        else:
            channel = rng.choices(_CHANNELS, cum_weights=_CHANNEL_CUM)[0]
        if channel == "portal" and account_id is None:
            channel = "email"
        if channel == "phone" and _opening(created, rng) != created:
            channel = "email"  # nobody answers the phone at night: they wrote instead
        team_key = topic["team"]
        agents = self.team_agents[team_key] or self.authors
        assignee = rng.choice(agents)

        created_day = created.date()
        product = None
        if topic["families"]:
            candidates = [p for p in owned if p[1] in topic["families"] and (p[4] is None or p[4] <= created_day)]
            if candidates:
                product = rng.choice(candidates)

        age_days = (now - created).total_seconds() / 86400
        status = self._status_for_age(age_days, rng)

        values = _Values(
            customer=customer_name, first_name=customer_name.split(" ")[0], agent=self.staff_first_names[assignee],
            product=product[2] if product else topic["generic_product"],
            serial=(product[3] if product and product[3] else f"{rng.randrange(10**8):08d}"),
            order=f"CMD-{created.year}-{rng.randrange(100000, 999999)}", amount=_money(rng.uniform(12, 260)),
            city=rng.choice(D.CITIES), number=str(number),
        )
        mention_day = created_day - timedelta(days=rng.randrange(0, 4))
        values["date"] = _date_en(mention_day) if english else _date_fr(mention_day)
        prev_month = (created_day.replace(day=1) - timedelta(days=1)).month
        values["month"] = (D.MONTHS_EN if english else D.MONTHS_FR)[prev_month - 1]
        if product and product[5] is not None and topic["key"] in ("warranty", "phone_broken"):
            values["date"] = _date_en(product[5]) if english else _date_fr(product[5])

        subject = (rng.choice(topic["subjects_en"]) if english else rng.choice(topic["subjects"])).format_map(values)
        open_text = (rng.choice(topic["open_en"]) if english else rng.choice(topic["open"])).format_map(values)
        first_pool = D.EN_AGENT_FIRST if english else topic["agent_first"]
        follow_pool = D.EN_FOLLOW if english else topic["follow"]
        resolution_pool = D.EN_RESOLUTION if english else topic["resolution"]
        ask_pool = D.EN_ASK if english else D.ASK_CUSTOMER
        notes_pool = topic["notes"] + D.GENERIC_NOTES

        # The story, as steps separated by delays (seconds); squeezed to fit before `now` below.
        # Each step: (delay, what, payload)
        steps: list[tuple[float, str, object]] = [(0, "customer", open_text)]
        phone = channel == "phone"

        def reply_delay(first: bool) -> float:
            if phone and first:
                return rng.uniform(60, 600)
            base = {"urgent": 25, "high": 70, "normal": 200, "low": 420}[priority] if first else 180
            return 60 * base * rng.lognormvariate(0, 0.9)

        def later(median_minutes: float) -> float:
            return 60 * median_minutes * rng.lognormvariate(0, 0.8)

        assigned = status != "new" or rng.random() < 0.3
        if assigned:
            steps.append((rng.uniform(10, 60) if phone else rng.uniform(60, 1500), "assign", None))
        if status == "new":
            if age_days > 1 and rng.random() < 0.25:
                steps.append((later(600), "customer", rng.choice(D.EN_FOLLOW if english else D.CUSTOMER_CHASERS)))
        elif status in ("open", "pending_customer", "pending_third_party"):
            steps.append((reply_delay(True), "reply", rng.choice(first_pool)))
            steps.append((1, "status", ("new", "open")))
            if rng.random() < 0.5:
                steps.append((later(240), "customer", rng.choice(follow_pool)))
                if status != "open" or rng.random() < 0.4:
                    steps.append((later(120), "reply", rng.choice(ask_pool if status == "pending_customer" else first_pool)))
            if status == "pending_customer":
                if steps[-1][1] != "reply" or rng.random() < 0.3:
                    steps.append((later(60), "reply", rng.choice(ask_pool)))
                steps.append((1, "status", ("open", "pending_customer")))
            elif status == "pending_third_party":
                steps.append((later(30), "note", topic["third_party"]))
                steps.append((1, "status", ("open", "pending_third_party")))
                steps.append((0, "tag", "escalade"))
            elif rng.random() < 0.3:
                steps.append((later(20), "note", rng.choice(notes_pool)))
        else:  # resolved / closed
            path = rng.random()
            if path < 0.35:  # solved on first contact
                steps.append((reply_delay(True), "reply", rng.choice(resolution_pool)))
                steps.append((1, "status", ("new", "open")))
            elif path < 0.8:
                steps.append((reply_delay(True), "reply", rng.choice(first_pool)))
                steps.append((1, "status", ("new", "open")))
                if rng.random() < 0.3:
                    steps.append((later(20), "note", rng.choice(notes_pool)))
                if rng.random() < 0.65:
                    steps.append((later(240), "customer", rng.choice(follow_pool)))
                    steps.append((later(180), "reply", rng.choice(resolution_pool)))
                else:  # the agent comes back with the solution (after a check, a part, a visit)
                    steps.append((later(1440), "reply", rng.choice(resolution_pool)))
            else:  # waited on the customer in between
                steps.append((reply_delay(True), "reply", rng.choice(ask_pool)))
                steps.append((1, "status", ("new", "open")))
                steps.append((1, "status", ("open", "pending_customer")))
                steps.append((later(600), "customer", rng.choice(follow_pool)))
                steps.append((1, "status", ("pending_customer", "open")))
                if rng.random() < 0.4:
                    steps.append((later(20), "note", rng.choice(notes_pool)))
                steps.append((later(180), "reply", rng.choice(resolution_pool)))
            if topic["type"] == "complaint" and rng.random() < 0.5:
                steps.append((0, "tag", "rappel-client"))
                steps.append((rng.uniform(60, 600), "callback", None))
            steps.append((rng.uniform(30, 600), "status", ("open", "resolved")))
            if status == "closed":
                steps.append((rng.uniform(2, 7) * 86400, "status", ("resolved", "closed")))
        if priority in ("high", "urgent") and assigned and rng.random() < 0.15:
            steps.insert(2, (rng.uniform(30, 300), "priority", ("normal" if priority == "high" else "high", priority)))

        # Place the story on the clock: staff act in opening hours; it must all fit before `now`
        # (a closed ticket not old enough to have been closed is still resolved; failing that, the
        # story is squeezed).
        limit = now - timedelta(seconds=60)
        times = self._place(steps, created, rng, office=True)
        if times[-1] > limit and status == "closed":
            steps.pop()
            status = "resolved"
            times = self._place(steps, created, rng, office=True)
        if times[-1] > limit:
            times = self._place(steps, created, rng, office=False, budget=(limit - created).total_seconds())

        # Rows
        ticket_id = self._ids(Ticket.__table__, 1)
        requester = account_id if account_id is not None and (channel == "portal" or rng.random() < 0.3) else None
        first_response = last_customer = last_reply = resolved_at = closed_at = None
        messages, events = out["messages"], out["events"]
        reply_channel = channel if channel in ("portal", "chat") else "email"
        creator = requester if channel == "portal" else assignee if phone else None
        events.append(self._event(ticket_id, creator, "created", None, None, None, created, {"channel": channel}))
        message_no = 0
        tags = set(rng.sample(topic["tags"], k=min(len(topic["tags"]), rng.choice((1, 1, 2)))))
        if rng.random() < 0.12:
            tags.add(rng.choice(D.EXTRA_TAGS))
        if segment == "vip":
            tags.add("vip")
        for (delay, what, payload), at in zip(steps, times):
            if what in ("customer", "reply", "note"):
                message_no += 1
                from_customer = what == "customer"
                body = payload.format_map(values) if not from_customer or message_no > 1 else payload
                if from_customer:
                    last_customer = at
                    msg_channel = channel if message_no == 1 else reply_channel
                    # Typed by the customer in the portal, or by the agent who took the call.
                    author = requester if channel == "portal" else (assignee if phone and message_no == 1 else None)
                else:
                    author = assignee
                    msg_channel = reply_channel if what == "reply" else channel
                    if what == "reply":
                        last_reply = at
                        if first_response is None:
                            first_response = at
                email_id = (f"<demo-{number}-{message_no}@{D.DEMO_DOMAIN}>"
                            if channel == "email" and what != "note" else None)
                message_id = self._ids(Message.__table__, 1)
                messages.append({
                    "id": message_id, "ticket_id": ticket_id, "author_id": author,
                    "author_customer_id": customer_id if from_customer else None,
                    "kind": "note" if what == "note" else "reply", "from_customer": from_customer,
                    "body": plain_to_html(body), "body_source": body, "channel": msg_channel,
                    "email_message_id": email_id, "created_at": at,
                })
                if from_customer and email_id and email and msg_channel == "email" and self.keep_originals:
                    out["inbound"].append(self._original(
                        ticket_id, message_id, email_id, customer_name, email, subject, number, message_no,
                        body, at, english))
            elif what == "assign":
                events.append(self._event(ticket_id, self.lead_id if rng.random() < 0.3 else None, "changed",
                                          "assignee", None, self.staff_names[assignee], at,
                                          {"old_id": None, "new_id": assignee}))
            elif what == "status":
                old, new = payload
                actor = None if new == "closed" or (old == "pending_customer" and new == "open") else assignee
                events.append(self._event(ticket_id, actor, "changed", "status", old, new, at))
                if new == "resolved":
                    resolved_at = at
                elif new == "closed":
                    closed_at = at
            elif what == "priority":
                events.append(self._event(ticket_id, assignee, "changed", "priority", payload[0], payload[1], at))
            elif what == "tag":
                tags.add(payload)
            elif what == "callback":
                out["interactions"].append(self._interaction(
                    customer_id, "call", "phone", "out", f"Rappel client : {subject}"[:500], at,
                    int(rng.uniform(120, 900)), assignee, ticket_id))

        out["tickets"].append({
            "id": ticket_id, "number": number, "subject": subject[:300], "customer_id": customer_id,
            "requester_id": requester, "channel": channel, "status": status, "priority": priority,
            "type": topic["type"], "team_id": self.team_ids[team_key], "assignee_id": assignee if assigned else None,
            "product_id": product[0] if product else None, "sla_policy_id": None, "merged_into_id": None,
            "created_at": created, "updated_at": times[-1], "first_response_at": first_response,
            "last_customer_message_at": last_customer, "last_agent_reply_at": last_reply,
            "resolved_at": resolved_at, "closed_at": closed_at,
            "first_response_due_at": None, "next_response_due_at": None, "resolution_due_at": None,
            "sla_due_at": None, "sla_warn_at": None, "sla_state": None, "version": 1,
        })
        out["tags"].extend({"ticket_id": ticket_id, "tag_id": self.tag_ids[name]} for name in sorted(tags)
                           if name in self.tag_ids)
        if phone:
            out["interactions"].append(self._interaction(
                customer_id, "call", "phone", "in", subject[:500], created, int(rng.uniform(90, 1200)),
                assignee, ticket_id))
        elif channel == "email":
            out["interactions"].append(self._interaction(
                customer_id, "email_in", "email", "in", subject[:500], created, None, None, ticket_id))
            if first_response is not None and rng.random() < 0.5:
                out["interactions"].append(self._interaction(
                    customer_id, "email_out", "email", "out", ("Re: " + subject)[:500], first_response, None,
                    assignee, ticket_id))
        elif channel == "portal" and rng.random() < 0.3:
            out["interactions"].append(self._interaction(
                customer_id, "portal_visit", "portal", "in", subject[:500], created - timedelta(minutes=2), None,
                None, ticket_id))

    @staticmethod
    def _place(steps, created: datetime, rng: random.Random, *, office: bool, budget: float | None = None):
        """Wall-clock time of each step. With `office`, what staff do waits for opening hours."""
        scale = 1.0
        if budget is not None:
            total = sum(step[0] for step in steps)
            scale = min(1.0, budget * 0.95 / total) if total > 0 else 1.0
        at = created
        times = []
        for delay, what, payload in steps:
            if delay > 0:
                at += timedelta(seconds=max(int(delay * scale), 1))
            # Staff steps wait for opening hours; a status change made with a reply (1 s later) does not.
            if office and (what in _STAFF_STEPS or (what == "status" and delay > 1 and payload[1] != "closed"
                                                    and payload != ("pending_customer", "open"))):
                at = _opening(at, rng)
            times.append(at)
        return times

    @staticmethod
    def _status_for_age(age_days: float, rng: random.Random) -> str:
        if age_days < 1:
            table = (("new", 35), ("open", 35), ("pending_customer", 12), ("pending_third_party", 5), ("resolved", 13))
        elif age_days < 3:
            table = (("new", 12), ("open", 33), ("pending_customer", 15), ("pending_third_party", 7),
                     ("resolved", 28), ("closed", 5))
        elif age_days < 10:
            table = (("new", 3), ("open", 17), ("pending_customer", 12), ("pending_third_party", 6),
                     ("resolved", 27), ("closed", 35))
        elif age_days < 30:
            table = (("open", 5), ("pending_customer", 4), ("pending_third_party", 3), ("resolved", 8), ("closed", 80))
        else:
            # A few old tickets still wait on the customer or a supplier (their clocks are paused); none
            # is left open for months, which would head the queue sorted by SLA ("breached 234 d").
            table = (("pending_customer", 2), ("pending_third_party", 2), ("resolved", 4), ("closed", 992))
        return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]

    def _event(self, ticket_id, actor, action, field_, old, new, at, data=None):
        return {"id": self._ids(TicketEvent.__table__, 1), "ticket_id": ticket_id, "actor_id": actor,
                "action": action, "field": field_, "old_value": old, "new_value": new, "data": data,
                "created_at": at}

    def _interaction(self, customer_id, kind, channel, direction, summary, at, duration, agent, ticket_id):
        return {"id": self._ids(Interaction.__table__, 1), "customer_id": customer_id, "kind": kind,
                "channel": channel, "direction": direction, "summary": summary, "occurred_at": at,
                "duration_seconds": duration, "agent_id": agent, "ticket_id": ticket_id, "call_id": None,
                "data": None}

    # -- satisfaction surveys ----------------------------------------------------------------

    def surveys(self, tickets: int) -> None:
        """Invitations for resolved demo tickets of consenting customers, as the app would have sent
        them (an hour after resolution, one per customer per throttle period, NPS once per NPS
        period), some answered, each answer with its timeline entry and ticket event, and the
        follow-ups the bad ones opened, in every state. Tickets that have an invitation are left
        alone; the others are decided again, the same way (one draw per ticket number), so a
        second run adds nothing. One transaction."""
        s = self.session
        tables = (SurveyInvitation.__table__, SurveyResponse.__table__, FollowUp.__table__)
        if not tickets:
            for table in tables:
                self._count(table.name, 0)
            return
        demo_customer = Customer.external_ref.like(CUSTOMER_REF_PREFIX + "%")
        rows = s.execute(
            select(Ticket.id, Ticket.number, Ticket.customer_id, Ticket.team_id, Ticket.assignee_id, Ticket.type,
                   Ticket.created_at, Ticket.resolved_at, Customer.language)
            .join(Customer, Customer.id == Ticket.customer_id)
            .where(Ticket.number > TICKET_NUMBER_BASE, Ticket.number <= TICKET_NUMBER_BASE + tickets,
                   Ticket.status.in_(("resolved", "closed")), Ticket.resolved_at.is_not(None),
                   Customer.consent_surveys.is_(True), demo_customer)
            .order_by(Ticket.customer_id, Ticket.resolved_at, Ticket.number)
        ).all()
        invited = defaultdict(list)  # customer id -> [(sent or send time, asked NPS)]
        invited_tickets = set()
        for customer_id, ticket_id, at, nps in s.execute(
            select(SurveyInvitation.customer_id, SurveyInvitation.ticket_id,
                   func.coalesce(SurveyInvitation.sent_at, SurveyInvitation.send_at), SurveyInvitation.include_nps)
            .join(Customer, Customer.id == SurveyInvitation.customer_id)
            .where(demo_customer, SurveyInvitation.state.in_(("scheduled", "sent", "answered")))
        ):
            invited_tickets.add(ticket_id)
            if at is not None:
                invited[customer_id].append((at, bool(nps)))
        existing = {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
        for name, count in existing.items():
            self._count(name, count)
        self._ticket_numbers = {row.id: row.number for row in rows}
        self._survey_settings = survey_settings(s)
        self._sla = load_sla_context(s)
        self._portal_customers = set(s.scalars(select(User.customer_id).where(User.role == "customer",
                                                                               User.customer_id.is_not(None))))
        out = defaultdict(list)
        with force_locale("fr"):  # the summaries are written as the app writes them, in the staff's language
            for row in rows:
                if row.id not in invited_tickets:
                    self._survey(row, invited[row.customer_id], out)
            self._latest_unhappy(out)
            self._follow_up_outcomes(out)
        self._insert(SurveyInvitation.__table__, out["invitations"])
        self._insert(SurveyResponse.__table__, out["responses"])
        self._insert(FollowUp.__table__, out["follow_ups"])
        self._insert(Interaction.__table__, out["interactions"])
        self._insert(TicketEvent.__table__, out["events"])
        self._commit()

    def _survey(self, ticket, invited: list, out: dict) -> None:
        settings = self._survey_settings
        rng = _rng(self.seed, "survey", ticket.number)
        if rng.random() >= D.SURVEY_INVITE_SHARE:
            return
        send_at = ticket.resolved_at + timedelta(minutes=settings.delay_minutes)
        throttle, nps_period = timedelta(days=settings.throttle_days), timedelta(days=settings.nps_period_days)
        # Both ways: this ticket may be older than invitations an earlier run made.
        if any(abs(send_at - at) < throttle for at, _nps in invited):
            return
        invitation_id = self._ids(SurveyInvitation.__table__, 1)
        sent = send_at <= self.now
        include_nps = sent and not any(nps and abs(send_at - at) < nps_period for at, nps in invited)
        invited.append((send_at, include_nps))
        expires_at = send_at + timedelta(days=settings.expiry_days) if sent else None
        # How long people take to answer: most within hours, some days later, many never.
        answered_at = None
        if sent and rng.random() < D.SURVEY_ANSWER_SHARE:
            delay = timedelta(minutes=min(rng.lognormvariate(4.5, 1.6), settings.expiry_days * 1440 - 1))
            if send_at + delay < self.now - timedelta(minutes=1):
                answered_at = (send_at + delay).replace(microsecond=0)
        out["invitations"].append({
            "id": invitation_id, "token_hash": survey_rules.new_token()[1] if sent else None,
            "customer_id": ticket.customer_id, "ticket_id": ticket.id, "kind": "csat", "include_nps": include_nps,
            "language": ticket.language if ticket.language in ("fr", "en") else "fr",
            "state": "answered" if answered_at else "sent" if sent else "scheduled",
            "created_at": ticket.resolved_at, "send_at": send_at, "sent_at": send_at if sent else None,
            "expires_at": expires_at, "used_at": answered_at,
        })
        if answered_at is not None:
            self._survey_answer(ticket, invitation_id, include_nps, answered_at, rng, out)
        elif sent:
            out["unanswered"].append((ticket, out["invitations"][-1]))

    def _latest_unhappy(self, out: dict) -> None:
        """A few customers answered unhappily in the last hours, so that the lead's dashboard has
        follow-ups still to do (left to chance, a demo of a few thousand tickets has about one bad
        answer every three days): the latest sent invitations not answered, still valid."""
        now = self.now
        pending = sorted(((ticket, row) for ticket, row in out["unanswered"]
                          if row["expires_at"] > now and row["sent_at"] < now - timedelta(hours=1)),
                         key=lambda pair: (pair[1]["sent_at"], pair[1]["id"]), reverse=True)
        for ticket, row in pending[:D.LATEST_UNHAPPY_ANSWERS]:
            rng = _rng(self.seed, "unhappy", ticket.number)
            earliest = max(row["sent_at"] + timedelta(minutes=20), now - timedelta(hours=6))
            at = (earliest + (now - timedelta(minutes=5) - earliest) * rng.random()).replace(microsecond=0)
            row.update(state="answered", used_at=at)
            self._survey_answer(ticket, row["id"], row["include_nps"], at, rng, out, csat=rng.choice((1, 2)))

    def _survey_answer(self, ticket, invitation_id: int, nps_asked: bool, at: datetime, rng: random.Random,
                       out: dict, *, csat: int | None = None) -> None:
        kind = ("complaint" if ticket.type == "complaint"
                else "slow" if ticket.resolved_at - ticket.created_at > timedelta(days=5) else "usual")
        csat = csat or rng.choices(range(1, 6), weights=D.CSAT_WEIGHTS[kind])[0]
        effort = rng.choices(range(1, 8), weights=D.EFFORT_WEIGHTS[csat])[0] if rng.random() < 0.85 else None
        nps = rng.choices(range(0, 11), weights=D.NPS_WEIGHTS[csat])[0] if nps_asked and rng.random() < 0.9 else None
        comment = None
        if rng.random() < D.COMMENT_SHARE[csat]:
            pool = (D.SURVEY_COMMENTS_EN if ticket.language == "en" else D.SURVEY_COMMENTS)[
                "bad" if csat <= 2 else "mixed" if csat == 3 else "good"]
            agent = self.staff_first_names.get(ticket.assignee_id)
            comment = rng.choice(pool if agent else [c for c in pool if "{agent}" not in c]).format(agent=agent)
        channel = "portal" if ticket.customer_id in self._portal_customers and rng.random() < 0.45 else "email"
        answer = survey_rules.Answer(csat, effort, nps, comment)
        response_id = self._ids(SurveyResponse.__table__, 1)
        out["responses"].append({
            "id": response_id, "invitation_id": invitation_id, "customer_id": ticket.customer_id,
            "ticket_id": ticket.id, "agent_id": ticket.assignee_id, "team_id": ticket.team_id, "csat": csat,
            "nps": nps, "effort": effort, "comment": comment, "channel": channel, "created_at": at,
        })
        figures = {"csat": csat, "effort": effort, "nps": nps, "response_id": response_id}
        interaction = self._interaction(ticket.customer_id, "survey", channel, "in", answer_summary(answer)[:500], at,
                                        None, ticket.assignee_id, ticket.id)
        out["interactions"].append({**interaction, "data": figures})
        out["events"].append(self._event(ticket.id, None, "survey_answered", None, None, None, at, figures))
        reasons = survey_rules.recovery_reasons(answer)
        if reasons:  # the follow-up a bad answer opens, due one business day later on the team's calendar
            out["follow_ups"].append({
                "id": self._ids(FollowUp.__table__, 1), "customer_id": ticket.customer_id, "ticket_id": ticket.id,
                "response_id": response_id, "team_id": ticket.team_id, "owner_id": None, "reasons": reasons,
                "state": "open", "due_at": add_business_days(self._sla.hours_for(None, ticket.team_id), at, 1),
                "overdue_at": None, "outcome": None, "note": None, "closed_by_id": None, "closed_at": None,
                "created_at": at,
            })

    def _follow_up_outcomes(self, out: dict) -> None:
        """What the lead did about each follow-up: open while not due yet; past due, closed (mostly in
        time) but for the latest few, still on the list and flagged overdue by the sweep, and now and
        then an old one forgotten."""
        past_due = sorted((row for row in out["follow_ups"] if row["due_at"] <= self.now),
                          key=lambda row: (row["due_at"], row["id"]), reverse=True)
        for rank, row in enumerate(past_due):
            rng = _rng(self.seed, "follow-up", self._ticket_numbers[row["ticket_id"]])
            flagged = min(row["due_at"] + timedelta(seconds=rng.uniform(5, 30)), self.now)  # the next sweep pass
            if rank < D.OVERDUE_FOLLOW_UPS or rng.random() < 0.03:
                row["overdue_at"] = flagged
            else:
                self._close_follow_up(row, flagged, rng, out)

    def _close_follow_up(self, row: dict, flagged: datetime, rng: random.Random, out: dict) -> None:
        now, at, due_at = self.now, row["created_at"], row["due_at"]
        if rng.random() < 0.75:  # mostly in time, in office hours
            closed_at = _opening(at + (due_at - at) * rng.uniform(0.05, 0.9), rng)
        else:
            closed_at = _opening(due_at + timedelta(hours=rng.uniform(1, 72)), rng)
        closed_at = min(closed_at, now - timedelta(minutes=1)).replace(microsecond=0)
        if closed_at > due_at:
            row["overdue_at"] = min(flagged, closed_at)
        outcomes, weights = zip(*D.FOLLOW_UP_OUTCOME_WEIGHTS)
        outcome = rng.choices(outcomes, weights=weights)[0]
        note = rng.choice(D.FOLLOW_UP_NOTES[outcome])
        row.update(state="closed", outcome=outcome, note=note, closed_by_id=self.lead_id, closed_at=closed_at)
        channel = "phone" if outcome == "called_back" else "system"
        interaction = self._interaction(row["customer_id"], "follow_up", channel, "out",
                                        f"{outcome_label(outcome)} — {note}"[:500], closed_at, None, self.lead_id,
                                        row["ticket_id"])
        out["interactions"].append({**interaction, "data": {"follow_up_id": row["id"], "outcome": outcome}})

    # -- knowledge base ----------------------------------------------------------------------

    def articles(self, count: int) -> None:
        from knowledge_base.models import (
            Article,
            ArticleCategory,
            ArticleVersion,
            article_products,
            article_tags,
        )

        now = self.now
        categories = self._name_map(ArticleCategory.id, ArticleCategory.slug)
        if count:
            rows = []
            for slug, name, parent, position in sorted(D.ARTICLE_CATEGORIES, key=lambda c: c[2] is not None):
                if slug in categories:
                    continue
                categories[slug] = self._ids(ArticleCategory.__table__, 1)
                rows.append({"id": categories[slug], "slug": slug, "name": name,
                             "parent_id": categories[parent] if parent else None, "position": position})
            self._count("article_categories", len(D.ARTICLE_CATEGORIES) - len(rows))
            self._insert(ArticleCategory.__table__, rows)

        specs = self._article_specs(count)
        slugs = self._name_map(Article.id, Article.slug)
        missing = [(k, spec) for k, spec in enumerate(specs, 1) if spec[0] not in slugs]
        self._count("articles", len(specs) - len(missing))
        if len(specs) < count:
            self.report.notes.append(f"only {len(specs)} distinct demo articles exist; {count} asked")
        out = defaultdict(list)
        bar = self._bar(len(missing), "articles", "article")
        for k, (slug, language, article, product) in missing:
            rng = _rng(self.seed, "article", k)
            id_ = self._ids(Article.__table__, 1)
            slugs[slug] = id_
            internal = bool(article.get("internal"))
            if language == "en":
                title, intro, steps = article["en"]
                tip, table = None, None
                group = slugs.get(article["slug"], id_)
            else:
                title, intro, steps = article["title"], article["intro"], article["steps"]
                tip, table = article.get("tip"), article.get("table")
                group = id_ if product is None else None
            if product is not None:
                product_name = self.product_info[product][1]
                title = f"{title} – {product_name}"
                intro = f"Cet article concerne le modèle **{product_name}**.\n\n{intro}"
            body = self._article_markdown(language, intro, steps, tip, table)
            body_html = render_markdown(body)
            roll = rng.random()
            status = "draft" if (not internal and roll < (0.12 if product else 0.06)) else "published"
            created_at = (now - timedelta(days=rng.uniform(20, 700))).replace(microsecond=0)
            published_at = created_at + timedelta(days=rng.uniform(0, 5)) if status == "published" else None
            updated_at = (published_at or created_at) + timedelta(days=rng.uniform(0, 15))
            updated_at = min(updated_at, now)
            if published_at is not None and published_at > updated_at:
                published_at = updated_at
            author = rng.choice(self.authors)
            views = int(rng.paretovariate(1.2) * 40) if status == "published" else 0
            helpful = int(views * rng.uniform(0.02, 0.12))
            out["articles"].append({
                "id": id_, "slug": slug, "title": title[:300], "body": body, "body_html": body_html,
                "language": language, "translation_group_id": group, "category_id": categories.get(article["category"]),
                "visibility": "internal" if internal else "public", "status": status, "author_id": author,
                "view_count": views, "helpful_count": helpful,
                "not_helpful_count": int(helpful * rng.uniform(0.05, 0.5)),
                "created_at": created_at, "updated_at": updated_at, "published_at": published_at,
            })
            out["versions"].append({"id": self._ids(ArticleVersion.__table__, 1), "article_id": id_, "number": 1,
                                    "title": title[:300], "body": body, "author_id": author,
                                    "created_at": created_at})
            out["tags"].extend({"article_id": id_, "tag_id": self.tag_ids[t]}
                               for t in sorted(set(article["tags"])) if t in self.tag_ids)
            linked = [product] if product is not None else [self.product_ids[sku] for sku in article.get("skus", ())]
            out["products"].extend({"article_id": id_, "product_id": p} for p in linked)
            bar.update(1)
        bar.close()
        self._insert(Article.__table__, out["articles"])
        self._insert(ArticleVersion.__table__, out["versions"])
        self._insert(article_tags, out["tags"])
        self._insert(article_products, out["products"])
        self._commit()

    def deflection(self, tickets: int) -> None:
        """Six weeks of the portal's new-request form: customers shown suggested articles while
        typing, who opened one or two, and then sent their request anyway or did not (the lead
        dashboard's deflection rate). Only when no such history exists yet."""
        from knowledge_base.models import Article, DeflectionEvent

        table = DeflectionEvent.__table__
        existing = self.session.scalar(select(func.count()).select_from(table)) or 0
        self._count("deflection_events", existing)
        if existing or not tickets:
            return
        articles = list(self.session.execute(
            select(Article.id, Article.title).where(Article.status == "published", Article.visibility == "public",
                                                    Article.language == "fr").order_by(Article.id)))
        users = list(self.session.scalars(select(User.id).where(User.role == "customer").order_by(User.id)))
        if not articles or not users:
            return
        rows = []
        for k in range(min(600, max(30, tickets // 8))):
            rng = _rng(self.seed, "deflection", k)
            attempt = f"{rng.getrandbits(64):016x}"
            user = rng.choice(users)
            at = self.now - timedelta(days=rng.uniform(0.2, 42), minutes=rng.uniform(0, 600))
            article_id, title = rng.choice(articles)
            typed = " ".join(title.lower().split()[:rng.randint(2, 4)])
            viewed = [article_id]
            if rng.random() < 0.3:  # a second suggestion opened
                viewed.append(rng.choice(articles)[0])
            for article_id in dict.fromkeys(viewed):
                at += timedelta(seconds=rng.uniform(15, 240))
                rows.append({"id": self._ids(table, 1), "user_id": user, "article_id": article_id, "query": typed,
                             "attempt": attempt, "outcome": "viewed", "created_at": at.replace(microsecond=0)})
            if rng.random() < 0.55:  # the article did not answer: the request was sent anyway
                at += timedelta(seconds=rng.uniform(30, 600))
                rows.append({"id": self._ids(table, 1), "user_id": user, "article_id": None, "query": typed,
                             "attempt": attempt, "outcome": "submitted", "created_at": at.replace(microsecond=0)})
        self._insert(table, rows)
        self._commit()

    def _article_specs(self, limit: int) -> list[tuple]:
        """The first `limit` articles of a fixed sequence: every topic in French (and English when
        translated), then product-specific variants of the product topics."""
        specs: list[tuple] = []
        for article in D.ARTICLES:
            specs.append((article["slug"], "fr", article, None))
            if "en" in article:
                specs.append((article["slug"] + "-en", "en", article, None))
        round_ = 0
        while len(specs) < limit:
            added = False
            for article in D.ARTICLES:
                skus = article.get("skus", ())
                if article.get("internal") or round_ >= len(skus):
                    continue
                sku = skus[round_]
                specs.append((f"{article['slug']}-{sku.lower()}", "fr", article, self.product_ids[sku]))
                added = True
            if not added:
                break
            round_ += 1
        return specs[:limit]

    @staticmethod
    def _article_markdown(language, intro, steps, tip, table) -> str:
        parts = [intro, "", "## Steps" if language == "en" else "## Étapes", ""]
        parts += [f"{n}. {step}" for n, step in enumerate(steps, 1)]
        if table:
            parts += ["", table]
        if tip:
            parts += ["", f"> **Bon à savoir :** {tip}"]
        parts += ["", "If the problem persists, open a request from your customer account." if language == "en"
                  else "Si le problème persiste, ouvrez une demande depuis votre espace client en précisant le "
                       "numéro de série de votre appareil."]
        return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


CANNED_RESPONSES = [
    {"title": "Demande d'informations complémentaires", "set_status": "pending_customer",
     "body": "Bonjour {{ customer.name }},\n\nPour avancer sur votre demande {{ ticket.number }}, pourriez-vous nous préciser "
             "le numéro de série de l'appareil et joindre une photo du problème ?\n\nBien cordialement,\n{{ agent.name }}"},
    {"title": "Redémarrage de la box", "body": "Bonjour {{ customer.name }},\n\nMerci de débrancher votre box 30 secondes, "
             "de la rebrancher puis d'attendre que le voyant soit blanc fixe (environ 5 minutes). Dites-nous si la connexion revient.\n\n{{ agent.name }}"},
    {"title": "Clôture après résolution", "set_status": "resolved",
     "body": "Bonjour {{ customer.name }},\n\nNous considérons votre demande {{ ticket.number }} comme résolue. "
             "Si le problème revient, répondez simplement à ce message : le dossier sera rouvert.\n\nBonne journée,\n{{ agent.name }}"},
    {"title": "Prise en charge garantie", "set_priority": "high",
     "body": "Bonjour {{ customer.name }},\n\nVotre appareil est couvert par la garantie. Nous vous envoyons une étiquette "
             "de retour prépayée par e-mail ; le remplacement part dès réception.\n\n{{ agent.name }}"},
    {"title": "Avoir sur facture", "body": "Bonjour {{ customer.name }},\n\nUn avoir a été émis ; il apparaîtra sur votre "
             "prochaine facture. Toutes nos excuses pour la gêne occasionnée.\n\n{{ agent.name }}"},
]


def seed_demo(
    *,
    customers: int = 500,
    tickets: int = 3000,
    articles: int = 60,
    seed: int = 2026,
    progress: bool = True,
    now: datetime | None = None,
) -> SeedReport:
    """Create the demo data that is missing (inside an app context); see the module docstring."""
    started = time.perf_counter()
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC).replace(microsecond=0)
    report = SeedReport(seed=seed)
    seeder = _Seeder(seed, now, progress, report)
    try:
        seeder.reference()
        seeder.canned_responses()
        if customers:
            seeder.organizations()
        else:
            seeder.orgs = []
        seeder.customers(customers)
        seeder.tickets(tickets)
        seeder.surveys(tickets)
        seeder.articles(articles)
        seeder.deflection(tickets)
        # Planner statistics for what was just written in bulk, before anything reads it: without
        # them SQLite (which never gathers its own) read the SLA recompute's ticket events by their
        # action, the whole table for each batch of tickets (80 s instead of 30 s at 100k tickets).
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        seeder._sync_sequences()
        raise
    report.elapsed_seconds = time.perf_counter() - started
    return report
