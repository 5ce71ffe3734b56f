"""The drop-downs of the agent's ticket page (teams, people to assign or promise for, canned
responses the agent may apply), read in one statement whatever their number."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Integer, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session

from helpdesk.macros.service import of_teams_of, usable_by
from helpdesk.models import CannedResponse, Team, User
from helpdesk.models.users import active_staff


@dataclass(frozen=True)
class TicketPageChoices:
    teams: list[tuple[int, str]] = field(default_factory=list)  # (id, name), by name
    agents: list[tuple[int, str]] = field(default_factory=list)  # active staff, by name
    macros: list[tuple[int, str]] = field(default_factory=list)  # (id, title), by title


def ticket_page_choices(session: Session, user: User) -> TicketPageChoices:
    """One UNION ALL of (list, id, label, sort key), split here."""
    lists: dict[str, list[tuple[int, str]]] = {"teams": [], "agents": [], "macros": []}
    every_macro = not usable_by(user)  # no condition: the user may apply them all (the rule lives there)
    for name, id_, label, _ in session.execute(_statement(every_macro), {"user_id": user.id}):
        lists[name].append((id_, label))
    return TicketPageChoices(**lists)


@lru_cache(maxsize=2)
def _statement(every_macro: bool):
    """Built once per shape (the user is bound at execution); `every_macro` for those who manage
    them, else the canned responses of no team or of the user's teams."""
    def listed(name: str, id_column, label, key, *where):
        return select(literal(name).label("list"), id_column.label("id"), label.label("label"),
                      key.label("sort_key")).where(*where)

    macros_where = [] if every_macro else of_teams_of(bindparam("user_id", type_=Integer))
    union = union_all(
        listed("teams", Team.id, Team.name, Team.name),
        listed("agents", User.id, User.name, User.name, active_staff()),
        listed("macros", CannedResponse.id, CannedResponse.title, func.lower(CannedResponse.title), *macros_where),
    ).subquery("choices")
    return select(union).order_by(union.c.list, union.c.sort_key, union.c.id)
