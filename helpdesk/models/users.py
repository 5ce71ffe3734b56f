"""Staff and customer accounts, teams, and API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, and_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from helpdesk.models.customers import Customer
    from helpdesk.models.sla import BusinessCalendar, SLAPolicy

ROLES = ("customer", "agent", "lead", "admin")
STAFF_ROLES = ("agent", "lead", "admin")


class unlikely(FunctionElement):
    """A condition true of few rows. SQLite's planner is told so (`unlikely(...)`): it keeps no
    histogram of a column's values, so it takes `role IN (the staff roles)` for most of the users
    and reads them all, when the customers' portal accounts are 99 % of them (15,000 users read for
    210 agents at 1M tickets). Elsewhere, the condition itself."""

    type = NullType()  # not Boolean: SQLite would be sent `unlikely(...) = 1`, which hides the index again
    inherit_cache = True


@compiles(unlikely)
def _condition_itself(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(unlikely, "sqlite")
def _unlikely_on_sqlite(element, compiler, **kw):
    return f"unlikely({compiler.process(element.clauses, **kw)})"


def active_staff():
    """WHERE condition: the active agents, leads and admins (the index on role and active)."""
    return and_(unlikely(User.role.in_(STAFF_ROLES)), User.active.is_(True))
AVAILABILITY_STATES = ("available", "on_call", "away", "offline")

team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Team(db.Model):
    """A queue of tickets, worked by its members on its business calendar."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[Optional[str]] = mapped_column(String(254))
    calendar_id: Mapped[Optional[int]] = mapped_column(ForeignKey("business_calendars.id"))
    default_sla_policy_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    # New tickets without an assignee go round-robin to the team's available agents.
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Round-robin pointer: the last agent given a ticket automatically.
    last_assigned_user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the admin service on configuration changes (not by the round-robin pointer's moves), so
    # caches of team settings (the SLA context) can tell they are stale.
    updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=utcnow)

    calendar: Mapped[Optional["BusinessCalendar"]] = relationship()
    default_sla_policy: Mapped[Optional["SLAPolicy"]] = relationship(
        foreign_keys=[default_sla_policy_id]
    )
    members: Mapped[list["User"]] = relationship(
        secondary=team_members, back_populates="teams", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_role_active", "role", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="customer")
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    availability: Mapped[str] = mapped_column(String(16), default="offline")
    extension: Mapped[Optional[str]] = mapped_column(String(32))  # telephone extension for CTI
    customer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    # An organization's "org admin" sees all of the organization's tickets in the portal.
    is_org_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Set when the user proved the address is theirs (portal sign-up link); staff created by an admin
    # are trusted as given.
    email_verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Stamped into each web session at login; raising it (password reset, deactivation, a lower role)
    # ends every session stamped before.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    customer: Mapped[Optional["Customer"]] = relationship(foreign_keys=[customer_id])
    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members")
    api_tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Not a column: the role scope of the bearer token this request came with (None: the user's own
    # role). Set by auth.service.user_for_token, read by permissions.acting_role.
    token_role = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.active)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"


USER_TOKEN_PURPOSES = ("verify_email", "reset_password", "invite")


class UserToken(db.Model):
    """A single-use link sent by e-mail (address verification, password reset, invitation): only
    its SHA-256 is stored; it expires, and is spent by the first use."""

    __tablename__ = "user_tokens"
    __table_args__ = (Index("ix_user_tokens_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in the admin list to tell tokens apart
    name: Mapped[Optional[str]] = mapped_column(String(120))
    scopes: Mapped[str] = mapped_column(String(255), default="*")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")
