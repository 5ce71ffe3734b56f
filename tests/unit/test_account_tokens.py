"""E-mailed account links (helpdesk.auth.tokens): unguessable, stored hashed, single-use, expiring,
one purpose each, and spent exactly once when two requests race. A bare SQLAlchemy session on a
SQLite file, no app."""
import hashlib
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import helpdesk.models  # noqa: F401  (registers every table)
from helpdesk.auth import tokens
from helpdesk.extensions import db
from helpdesk.models import User, UserToken

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


@pytest.fixture()
def engine(tmp_path):
    import knowledge_base.models  # noqa: F401

    engine = create_engine(f"sqlite:///{tmp_path / 'tokens.db'}", connect_args={"timeout": 30})
    db.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def session(engine):
    with Session(engine) as session:
        yield session


@pytest.fixture()
def user(session):
    person = User(email="lea@example.com", name="Léa", role="customer", locale="fr", active=True)
    session.add(person)
    session.commit()
    return person


def test_a_token_is_long_random_and_only_its_hash_is_stored(session, user):
    token = tokens.issue(session, user, "reset_password", NOW, HOUR)
    session.commit()
    assert len(token) >= 43
    assert token != tokens.issue(session, user, "verify_email", NOW, HOUR)
    stored = session.scalars(select(UserToken.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored


def test_a_token_is_spent_by_its_first_use(session, user):
    token = tokens.issue(session, user, "reset_password", NOW, HOUR)
    assert tokens.consume(session, token, "reset_password", NOW + timedelta(minutes=5)).id == user.id
    with pytest.raises(tokens.TokenUsed):
        tokens.consume(session, token, "reset_password", NOW + timedelta(minutes=6))
    with pytest.raises(tokens.TokenUsed):
        tokens.check(session, token, "reset_password", NOW + timedelta(minutes=6))


def test_checking_a_token_does_not_spend_it(session, user):
    token = tokens.issue(session, user, "verify_email", NOW, HOUR)
    assert tokens.check(session, token, "verify_email", NOW).id == user.id
    assert tokens.consume(session, token, "verify_email", NOW).id == user.id


def test_a_token_expires_at_the_end_of_its_lifetime(session, user):
    token = tokens.issue(session, user, "reset_password", NOW, HOUR)
    assert tokens.check(session, token, "reset_password", NOW + HOUR - timedelta(seconds=1))
    with pytest.raises(tokens.TokenExpired):
        tokens.consume(session, token, "reset_password", NOW + HOUR)
    with pytest.raises(tokens.TokenExpired):
        tokens.check(session, token, "reset_password", NOW + HOUR)


def test_a_token_works_only_for_its_purpose_and_unknown_ones_are_refused(session, user):
    token = tokens.issue(session, user, "verify_email", NOW, HOUR)
    with pytest.raises(tokens.TokenUnknown):
        tokens.consume(session, token, "reset_password", NOW)
    with pytest.raises(tokens.TokenUnknown):
        tokens.consume(session, "not-a-token", "verify_email", NOW)
    with pytest.raises(tokens.TokenUnknown):
        tokens.consume(session, "", "verify_email", NOW)
    assert tokens.consume(session, token, "verify_email", NOW).id == user.id  # the wrong purpose did not spend it


def test_a_new_link_replaces_the_older_unused_ones_of_its_purpose(session, user):
    first = tokens.issue(session, user, "reset_password", NOW, HOUR)
    verify = tokens.issue(session, user, "verify_email", NOW, HOUR)
    second = tokens.issue(session, user, "reset_password", NOW + timedelta(minutes=1), HOUR)
    later = NOW + timedelta(minutes=2)
    with pytest.raises(tokens.TokenExpired):
        tokens.consume(session, first, "reset_password", later)
    assert tokens.consume(session, second, "reset_password", later).id == user.id
    assert tokens.consume(session, verify, "verify_email", later).id == user.id  # another purpose: untouched


def test_an_unknown_purpose_cannot_be_issued(session, user):
    with pytest.raises(ValueError):
        tokens.issue(session, user, "login", NOW, HOUR)


def test_two_requests_racing_with_one_link_cannot_both_use_it(engine, session, user):
    token = tokens.issue(session, user, "reset_password", NOW, HOUR)
    session.commit()
    # Both requests have read the link as usable before either spends it: only the conditional
    # UPDATE decides, and it lets one through.
    sessions = [Session(engine), Session(engine)]
    for each in sessions:
        tokens.check(each, token, "reset_password", NOW)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def use(each: Session) -> None:
        barrier.wait()
        try:
            tokens.consume(each, token, "reset_password", NOW)
            each.commit()
            outcomes.append("used")
        except tokens.TokenUsed:
            each.rollback()
            outcomes.append("refused")
        finally:
            each.close()

    threads = [threading.Thread(target=use, args=(each,)) for each in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "used"]

