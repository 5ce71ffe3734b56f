"""A new staff account, as an admin makes it: with a password given, or (the usual way) with an
e-mailed invitation to choose one (a set-password link, single-use, INVITE_HOURS long)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.auth import accounts, administration
from helpdesk.auth.service import create_user
from helpdesk.errors import Invalid
from helpdesk.models import User
from helpdesk.permissions import require


def create_person(session: Session, actor, data: Mapping[str, Any], now: datetime, config
                  ) -> tuple[User, bool]:
    """(the account, whether an invitation was mailed). `data`: email, name, role, team_ids,
    password (optional: without it, the invitation)."""
    require(actor, "user.manage")
    team_ids = data.get("team_ids")
    if team_ids is not None and (not isinstance(team_ids, list) or
                                 not all(isinstance(i, int) and not isinstance(i, bool) for i in team_ids)):
        raise Invalid({"team_ids": "not_a_list_of_ids"})
    for name in ("email", "role", "name", "password", "locale"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise Invalid({name: "not_text"})
    password = data.get("password") or None
    user = create_user(email=data.get("email") or "", role=data.get("role") or "", name=data.get("name"),
                       password=password, team_ids=team_ids, locale=data.get("locale") or "fr", now=now, actor=actor)
    if password is not None:
        return user, False
    lifetime = timedelta(hours=int(config["INVITE_HOURS"]))
    token = administration.invite(session, actor, user, now, lifetime)
    accounts.send_invitation(session, user, accounts.AccountMail.from_config(config), now, token, lifetime,
                             inviter=getattr(actor, "name", None))
    return user, True
