"""The telephony webhook's secret: generated (and rotated) by an admin in the browser, shown once,
kept only as its SHA-256 in the settings table. Until one is generated, CTI_TOKEN from the
configuration is the secret; once one is, CTI_TOKEN no longer opens the webhook (a rotation that
left the old secret working would not be one)."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk import settings
from helpdesk.audit import service as audit
from helpdesk.errors import Unauthorized
from helpdesk.permissions import require

KEY = "telephony_secret"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SecretStatus:
    source: str  # "browser" (generated here), "config" (CTI_TOKEN) or "none" (the webhook is closed)
    rotated_at: datetime | None  # for "browser"
    config_token_set: bool  # CTI_TOKEN is set (and, once a secret was generated here, ignored)


def status(session: Session, config_token: str | None) -> SecretStatus:
    stored = settings.read(session, KEY) or {}
    if stored.get("sha256"):
        rotated_at = stored.get("rotated_at")
        return SecretStatus("browser", datetime.fromisoformat(rotated_at) if rotated_at else None, bool(config_token))
    return SecretStatus("config" if config_token else "none", None, bool(config_token))


def rotate(session: Session, actor, now: datetime) -> str:
    """A new secret replacing any before it (and CTI_TOKEN): the caller commits, then shows it once."""
    require(actor, "admin.integrations")
    before = settings.read(session, KEY) or {}
    secret = secrets.token_urlsafe(32)
    settings.write(session, KEY, {"sha256": _digest(secret), "rotated_at": now.isoformat()}, now,
                   getattr(actor, "id", None))
    audit.record(session, actor, "rotated", "telephony_secret", None, "CTI",
                 audit.differences({"secret": before.get("sha256")}, {"secret": _digest(secret)},
                                   secrets={"secret"}), now)
    return secret


def check(session: Session, given: str | None, config_token: str | None) -> None:
    """Raise Unauthorized unless `given` is the webhook's secret (cti_not_configured when there is none)."""
    stored = (settings.read(session, KEY) or {}).get("sha256")
    if stored:
        ok = bool(given) and hmac.compare_digest(_digest(given), stored)
    elif config_token:
        ok = bool(given) and hmac.compare_digest(given.encode(), config_token.encode())
    else:
        raise Unauthorized("The telephony webhook is not configured (no secret generated, CTI_TOKEN unset).",
                           code="cti_not_configured")
    if not ok:
        raise Unauthorized("Wrong or missing CTI secret.", code="invalid_cti_token")


@dataclass(frozen=True)
class BridgeInstructions:
    """What to paste into the PBX bridge, for the native endpoint and the Zammad-compatible one."""

    native_url: str
    native_header: str
    native_body: str  # a JSON example
    compat_url: str
    compat_fields: str  # a form-encoded example, one field a line


def instructions(base_url: str, secret: str) -> BridgeInstructions:
    base = base_url.rstrip("/")
    body = {"event": "newCall", "call_id": "1234-5678", "from": "+33612345678", "to": "+33170000000",
            "direction": "in", "agent_email": "agent@example.com", "team": "Niveau 1"}
    fields = ["event=newCall", "callId=1234-5678", "from=+33612345678", "to=+33170000000", "direction=in",
              "user[]=agent@example.com", "queue=Niveau 1"]
    return BridgeInstructions(
        native_url=f"{base}/api/v1/cti/events", native_header=f"X-CTI-Token: {secret}",
        native_body=json.dumps(body, ensure_ascii=False, indent=2),
        compat_url=f"{base}/api/v1/cti/{secret}", compat_fields="\n".join(fields))
