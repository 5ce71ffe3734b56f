"""New rows written with Core INSERTs and kept in the session as loaded (helpdesk.models.rows), on a
database of their own: what is written is what the object says, nothing is left to flush or to
load, and several rows come back to the right objects."""
from __future__ import annotations

import pytest
from sqlalchemy import ForeignKey, Integer, String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk.models.rows import insert_all_as_loaded, insert_as_loaded



class Base(DeclarativeBase):
    pass


class Parcel(Base):
    __tablename__ = "parcels"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    weight: Mapped[int | None] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(String(40), default=lambda: "stamped")
    version: Mapped[int] = mapped_column(Integer, default=1)
    scans: Mapped[list["Scan"]] = relationship(back_populates="parcel")
    __mapper_args__ = {"version_id_col": version}


class Scan(Base):
    __tablename__ = "scans"
    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    place: Mapped[str] = mapped_column(String(16))
    parcel: Mapped[Parcel] = relationship(back_populates="scans")


@pytest.fixture()
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as s:
        s.statements = statements
        yield s


def test_a_new_row_is_written_as_given_with_defaults_and_kept_as_loaded(session):
    parcel = insert_as_loaded(session, Parcel(label="fragile", weight=None))
    assert parcel.id is not None
    assert not session.new and not session.dirty and parcel in session
    before = len(session.statements)
    assert (parcel.label, parcel.state, parcel.weight, parcel.note, parcel.version) == (
        "fragile", "waiting", None, "stamped", 1)
    assert len(session.statements) == before  # nothing read back
    session.commit()
    row = session.execute(select(Parcel.__table__)).one()
    # A column set to None is NULL, one never set takes its default, as with the unit of work.
    assert (row.label, row.state, row.weight, row.note, row.version) == ("fragile", "waiting", None, "stamped", 1)


def test_a_row_kept_as_loaded_is_changed_like_any_loaded_row(session):
    parcel = insert_as_loaded(session, Parcel(label="colis"))
    parcel.state = "sent"
    session.commit()
    assert session.execute(select(Parcel.state, Parcel.version)).one() == ("sent", 2)


def test_several_rows_take_one_statement_and_get_their_own_ids(session):
    parcel = insert_as_loaded(session, Parcel(label="colis"))
    scans = [Scan(parcel_id=parcel.id, place=place) for place in ("Lyon", "Dijon", "Paris")]
    for scan in scans:
        set_committed_value(scan, "parcel", parcel)
    before = len(session.statements)
    insert_all_as_loaded(session, scans, key="place")
    assert len(session.statements) == before + 1
    session.commit()
    stored = dict(session.execute(select(Scan.id, Scan.place)).all())
    assert {scan.id: scan.place for scan in scans} == stored
    assert len(stored) == 3


def test_rows_the_key_does_not_tell_apart_are_refused(session):
    parcel = insert_as_loaded(session, Parcel(label="colis"))
    with pytest.raises(ValueError):
        insert_all_as_loaded(session, [Scan(parcel_id=parcel.id, place="Lyon"),
                                       Scan(parcel_id=parcel.id, place="Lyon")], key="place")


def test_without_a_key_ids_follow_the_rows_order(session):
    parcels = insert_all_as_loaded(session, [Parcel(label=f"n{i}") for i in range(4)])
    session.commit()
    assert {p.id: p.label for p in parcels} == dict(session.execute(select(Parcel.id, Parcel.label)).all())


def test_an_object_already_in_the_session_is_refused(session):
    parcel = insert_as_loaded(session, Parcel(label="colis"))
    with pytest.raises(ValueError):
        insert_as_loaded(session, parcel)
