"""The drop-downs of the agent's ticket page (teams, people to assign or promise for, canned
responses the agent may apply), read in one statement whatever their number."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from helpdesk.macros.service import usable_by
from helpdesk.models import CannedResponse, Team, User
from helpdesk.models.users import STAFF_ROLES


@dataclass(frozen=True)
class TicketPageChoices:
    teams: list[tuple[int, str]] = field(default_factory=list)  # (id, name), by name
    agents: list[tuple[int, str]] = field(default_factory=list)  # active staff, by name
    macros: list[tuple[int, str]] = field(default_factory=list)  # (id, title), by title


def ticket_page_choices(session: Session, user: User) -> TicketPageChoices:
    """One UNION ALL of (list, id, label, sort key), split here."""
    def listed(name: str, id_column, label, key, *where):
        return select(literal(name).label("list"), id_column.label("id"), label.label("label"),
                      key.label("sort_key")).where(*where)

    union = union_all(
        listed("teams", Team.id, Team.name, Team.name),
        listed("agents", User.id, User.name, User.name, User.role.in_(STAFF_ROLES), User.active.is_(True)),
        listed("macros", CannedResponse.id, CannedResponse.title, func.lower(CannedResponse.title), *usable_by(user)),
    ).subquery("choices")
    lists: dict[str, list[tuple[int, str]]] = {"teams": [], "agents": [], "macros": []}
    for name, id_, label, _ in session.execute(
            select(union).order_by(union.c.list, union.c.sort_key, union.c.id)):
        lists[name].append((id_, label))
    return TicketPageChoices(**lists)
