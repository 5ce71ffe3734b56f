"""Users over the API (admin only)."""
from __future__ import annotations

from helpdesk.api import bp
from helpdesk.api.common import api_user, iso, json_body
from helpdesk.auth.service import create_user
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.permissions import require


def user_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "locale": user.locale,
        "active": user.active,
        "team_ids": [team.id for team in user.teams],
        "customer_id": user.customer_id,
        "created_at": iso(user.created_at),
    }


@bp.post("/users")
def create_user_route():
    actor = api_user()
    require(actor, "user.manage")
    data = json_body()
    team_ids = data.get("team_ids")
    if team_ids is not None and (not isinstance(team_ids, list) or not all(isinstance(i, int) for i in team_ids)):
        raise Invalid({"team_ids": "must be a list of team ids"})
    for field in ("email", "role", "name", "password"):
        if data.get(field) is not None and not isinstance(data[field], str):
            raise Invalid({field: "must be a string"})
    user = create_user(
        email=data.get("email") or "",
        role=data.get("role") or "",
        name=data.get("name"),
        password=data.get("password"),
        team_ids=team_ids,
        locale=data.get("locale") or "fr",
        actor=actor,
    )
    db.session.commit()
    return user_json(user), 201


@bp.get("/me")
def me():
    return user_json(api_user())
