"""Users over the API (admin only): create (or invite), list, change, deactivate."""
from __future__ import annotations

from flask import current_app, request

from helpdesk.api import bp
from helpdesk.api.common import api_user, iso, json_body, page_params
from helpdesk.auth import administration as people
from helpdesk.auth.invitations import create_person
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.pagination import encode_cursor
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
    """Without a password, the person gets an e-mailed invitation to choose one."""
    actor = api_user()
    require(actor, "user.manage")
    user, _invited = create_person(db.session, actor, json_body(), utcnow(), current_app.config)
    db.session.commit()
    return user_json(user), 201


@bp.get("/users")
def list_users():
    actor = api_user()
    limit, cursor = page_params()
    after = (cursor or {}).get("id")
    if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    rows, next_id = people.list_people(db.session, actor, people.parse_filters(request.args), after_id=after,
                                       limit=limit, staff_only=False)
    return {"items": [user_json(u) for u in rows], "next_cursor": encode_cursor({"id": next_id}) if next_id else None}


@bp.patch("/users/<int:user_id>")
def update_user(user_id: int):
    """`{name?, role?, team_ids?, active?, extension?}`: deactivation or a lower role ends the user's
    sessions, tokens and live connections; the last active admin stays one (409 last_admin)."""
    user = people.change_person(db.session, api_user(), user_id, json_body(), utcnow())
    db.session.commit()
    return user_json(user)


@bp.get("/me")
def me():
    return user_json(api_user())
