"""Survey operations: scheduling an invitation when a ticket is resolved, sending the due ones
through the outbox, reading a link's token, and recording an answer with everything it feeds
(timeline, ticket history, service recovery, the customer's scores). Callers commit."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk import settings as stored_settings
from helpdesk.audit import service as audit
from helpdesk.errors import Gone, Invalid, NotFound
from helpdesk.mail import notify
from helpdesk.mail.compose import ComposedMail, SurveyLinks
from helpdesk.models import Customer, Interaction, SurveyInvitation, SurveyResponse, Team, Ticket, TicketEvent
from helpdesk.models.tickets import DONE_STATUSES
from helpdesk.permissions import require
from helpdesk.scores.service import update_customer_scores
from helpdesk.surveys import followups, rules
from helpdesk.surveys.rules import SurveySettings
from helpdesk.tickets.lifecycle import event_values

SETTINGS_KEY = "surveys"
MAX_TOKEN_LENGTH = 100


# --- settings ---------------------------------------------------------------------------------------


def survey_settings(session: Session) -> SurveySettings:
    return stored_settings.load(session, SETTINGS_KEY, SurveySettings)


def update_survey_settings(session: Session, actor, data: Mapping[str, Any], now: datetime) -> SurveySettings:
    """Apply an admin's changes; every bad field is reported at once and nothing is saved then."""
    require(actor, "survey.manage")
    team_ids = session.scalars(select(Team.id))
    current = survey_settings(session)
    changed, errors = rules.changed_settings(current, data, team_ids)
    if errors:
        raise Invalid(errors)
    stored_settings.save(session, SETTINGS_KEY, changed, now, actor.id)
    audit.record(session, actor, "updated", "survey_settings", None, None,
                 audit.differences(dataclasses.asdict(current), dataclasses.asdict(changed)), now)
    return changed


# --- scheduling, from the ticket's lifecycle --------------------------------------------------------


def schedule_after_resolution(session: Session, ticket: Ticket, now: datetime) -> SurveyInvitation | None:
    """A ticket was resolved: schedule its CSAT invitation `delay_minutes` later, when the rules allow."""
    if ticket.customer_id is None:
        return None
    existing = session.scalar(select(SurveyInvitation).where(SurveyInvitation.ticket_id == ticket.id))
    if existing is not None and existing.state == "scheduled":
        return existing
    customer = session.get(Customer, ticket.customer_id)
    last_invited = session.scalar(
        select(func.max(func.coalesce(SurveyInvitation.sent_at, SurveyInvitation.send_at))).where(
            SurveyInvitation.customer_id == ticket.customer_id,
            SurveyInvitation.state.in_(("scheduled", "sent", "answered")),
            SurveyInvitation.ticket_id != ticket.id,
        )
    )
    facts = rules.InvitationFacts(
        consent=bool(customer.consent_surveys), team_id=ticket.team_id,
        ticket_has_invitation=existing is not None, last_invited_at=last_invited, last_nps_at=None,
    )
    if existing is not None and existing.state == "cancelled":
        facts = rules.InvitationFacts(facts.consent, facts.team_id, False, facts.last_invited_at, None)
    decision = rules.survey_decision(facts, survey_settings(session), now)
    if not decision.invite:
        return None
    invitation = existing or SurveyInvitation(customer_id=ticket.customer_id, ticket_id=ticket.id, created_at=now)
    invitation.state = "scheduled"
    invitation.send_at = decision.send_at
    invitation.language = customer.language if customer.language in ("fr", "en") else "fr"
    session.add(invitation)
    return invitation


def cancel_scheduled(session: Session, ticket_id: int) -> None:
    """The ticket was reopened before its invitation left: it sends nothing."""
    session.execute(
        update(SurveyInvitation).where(SurveyInvitation.ticket_id == ticket_id, SurveyInvitation.state == "scheduled")
        .values(state="cancelled").execution_options(synchronize_session="fetch")
    )


# --- sending ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    cancelled: int = 0


def send_due_invitations(session: Session, now: datetime, *, base_url: str, limit: int = 200) -> SendReport:
    """Send the invitations whose time has come: each gets its token, expiry and e-mail (an outbox row,
    delivered after commit). Each is claimed with a conditional UPDATE, so however many workers run,
    an invitation is sent once. Flushes; the caller commits."""
    settings = survey_settings(session)
    due = list(session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.state == "scheduled", SurveyInvitation.send_at <= now)
        .order_by(SurveyInvitation.send_at, SurveyInvitation.id).limit(limit)
    ))
    if not due:
        return SendReport()
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_({i.customer_id for i in due})))}
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_({i.ticket_id for i in due if i.ticket_id})))}
    last_nps = dict(session.execute(
        select(SurveyInvitation.customer_id, func.max(SurveyInvitation.sent_at))
        .where(SurveyInvitation.customer_id.in_(customers), SurveyInvitation.include_nps.is_(True))
        .group_by(SurveyInvitation.customer_id)
    ).all())
    sent = cancelled = 0
    for invitation in due:
        customer = customers[invitation.customer_id]
        ticket = tickets.get(invitation.ticket_id)
        if not settings.enabled or not customer.consent_surveys or ticket is None or ticket.status not in DONE_STATUSES:
            if _claim(session, invitation, state="cancelled"):
                cancelled += 1
            continue
        token = _mark_sent(session, invitation, customer, settings, last_nps, now)
        if token is None:
            continue  # another worker sent it
        if customer.email:
            notify.survey_invitation(session, ticket, customer.email,
                                     _invitation_mail(invitation, customer, ticket, token, base_url, now), now)
        sent += 1
    session.flush()
    return SendReport(sent, cancelled)


def send_with_resolution(session: Session, ticket: Ticket, invitation: SurveyInvitation | None, now: datetime, *,
                         base_url: str) -> SurveyLinks | None:
    """An invitation due at once (no delay configured) goes in the resolution mail itself: it is
    marked sent and its links returned for that mail. None when it waits (a delay), or when the
    customer has no address to write to (the sweep then sends nothing either)."""
    if invitation is None or invitation.state != "scheduled" or invitation.send_at > now:
        return None
    customer = session.get(Customer, invitation.customer_id)
    if customer is None or not customer.email:
        return None
    last_nps = dict(session.execute(
        select(SurveyInvitation.customer_id, func.max(SurveyInvitation.sent_at))
        .where(SurveyInvitation.customer_id == customer.id, SurveyInvitation.include_nps.is_(True))
        .group_by(SurveyInvitation.customer_id)).all())
    token = _mark_sent(session, invitation, customer, survey_settings(session), last_nps, now)
    if token is None:
        return None
    return SurveyLinks(tuple((n, survey_url(base_url, token, n)) for n in rules.CSAT_RANGE), survey_url(base_url, token),
                       _days_left(invitation, now))


def _mark_sent(session: Session, invitation: SurveyInvitation, customer: Customer, settings: SurveySettings,
               last_nps: dict, now: datetime) -> str | None:
    """Claim a scheduled invitation as sent (once, whatever the number of workers): its token, its
    expiry, and the NPS question when the customer was not asked it lately. The token, or None."""
    previous = last_nps.get(customer.id)
    include_nps = previous is None or now - previous >= timedelta(days=settings.nps_period_days)
    token, digest = rules.new_token()
    if not _claim(session, invitation, state="sent", token_hash=digest, sent_at=now,
                  expires_at=now + timedelta(days=settings.expiry_days), include_nps=include_nps):
        return None
    if include_nps:
        last_nps[customer.id] = now
    return token


def _days_left(invitation: SurveyInvitation, now: datetime) -> int | None:
    return (invitation.expires_at - now).days if invitation.expires_at else None


def _claim(session: Session, invitation: SurveyInvitation, **values) -> bool:
    result = session.execute(
        update(SurveyInvitation).where(SurveyInvitation.id == invitation.id, SurveyInvitation.state == "scheduled")
        .values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(invitation, name, value)  # as written: nothing left to flush
    return True


def survey_url(base_url: str, token: str, csat: int | None = None) -> str:
    url = f"{base_url.rstrip('/')}/survey/{token}"
    return f"{url}?csat={csat}" if csat is not None else url


def csat_labels() -> dict[int, str]:
    return {1: _("Très insatisfait"), 2: _("Insatisfait"), 3: _("Neutre"), 4: _("Satisfait"), 5: _("Très satisfait")}


def _invitation_mail(invitation: SurveyInvitation, customer: Customer, ticket: Ticket, token: str, base_url: str,
                     now: datetime) -> ComposedMail:
    language = invitation.language or "fr"
    with force_locale(language):
        labels = csat_labels()
        links = [(n, labels[n], survey_url(base_url, token, n)) for n in rules.CSAT_RANGE]
        context = {"customer": customer, "ticket": ticket, "links": links, "form_url": survey_url(base_url, token),
                   "expires_days": _days_left(invitation, now)}
        subject = _("Votre avis sur la demande %(number)s", number=ticket.display_number)
        text = render_template("surveys/invitation_email.txt", **context)
        html = render_template("surveys/invitation_email.html", **context)
    return ComposedMail(subject, text, html, language)


# --- answering --------------------------------------------------------------------------------------


def invitation_for_token(session: Session, token: str, now: datetime) -> SurveyInvitation:
    """The invitation a link names, if it can still be answered; else NotFound (unknown) or Gone
    (expired, already answered). Reads only."""
    invitation = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        invitation = session.scalar(
            select(SurveyInvitation).where(SurveyInvitation.token_hash == rules.token_hash(token))
            .options(joinedload(SurveyInvitation.ticket))
        )
    if invitation is None:
        raise NotFound(_("Ce lien d'enquête est inconnu."), code="survey_unknown")
    problem = rules.link_problem(invitation.state, invitation.expires_at, invitation.used_at, now)
    if problem == "used":
        raise Gone(_("Vous avez déjà répondu à cette enquête. Merci !"), code="survey_used")
    if problem == "expired":
        raise Gone(_("Ce lien d'enquête a expiré."), code="survey_expired")
    if problem is not None:
        raise NotFound(_("Ce lien d'enquête est inconnu."), code="survey_unknown")
    return invitation


def portal_invitation(session: Session, user, ticket: Ticket, now: datetime) -> SurveyInvitation | None:
    """The invitation the customer may answer on their resolved ticket's page ("how did we do?")."""
    if ticket.status not in DONE_STATUSES or getattr(user, "customer_id", None) is None or ticket.customer_id != user.customer_id:
        return None
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.ticket_id == ticket.id))
    if invitation is None or rules.link_problem(invitation.state, invitation.expires_at, invitation.used_at, now):
        return None
    return invitation


def answer_on_portal(session: Session, user, ticket: Ticket, form: Mapping[str, Any], now: datetime) -> SurveyResponse:
    invitation = portal_invitation(session, user, ticket, now)
    if invitation is None:
        raise Gone(_("Cette enquête n'attend plus de réponse."), code="survey_used")
    return record_answer(session, invitation, form, now, channel="portal")


def record_answer(session: Session, invitation: SurveyInvitation, form: Mapping[str, Any], now: datetime, *,
                  channel: str = "email") -> SurveyResponse:
    """Record the answer once: the invitation is claimed by a conditional UPDATE, so a second submit
    (or a race of two) records nothing. The answer keeps the ticket's assignee and team of now."""
    answer, errors = rules.parse_answer(form, nps_asked=bool(invitation.include_nps))
    if errors:
        raise Invalid(errors)
    claimed = session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None), SurveyInvitation.state == "sent")
        .values(used_at=now, state="answered").execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Gone(_("Vous avez déjà répondu à cette enquête. Merci !"), code="survey_used")
    set_committed_value(invitation, "used_at", now)
    set_committed_value(invitation, "state", "answered")
    ticket = session.get(Ticket, invitation.ticket_id) if invitation.ticket_id else None
    response = SurveyResponse(
        invitation_id=invitation.id, customer_id=invitation.customer_id, ticket_id=ticket.id if ticket else None,
        agent_id=ticket.assignee_id if ticket else None, team_id=ticket.team_id if ticket else None,
        csat=answer.csat, effort=answer.effort, nps=answer.nps, comment=answer.comment, channel=channel, created_at=now,
    )
    session.add(response)
    session.flush()
    figures = {"csat": answer.csat, "effort": answer.effort, "nps": answer.nps, "response_id": response.id}
    session.add(Interaction(
        customer_id=invitation.customer_id, kind="survey", channel=channel, direction="in", occurred_at=now,
        ticket_id=response.ticket_id, agent_id=response.agent_id, summary=answer_summary(answer)[:500], data=figures,
    ))
    if ticket is not None:
        session.execute(insert(TicketEvent), [{"ticket_id": ticket.id, **event_values(None, "survey_answered", now, data=figures)}])
    reasons = rules.recovery_reasons(answer)
    if reasons:
        followups.open_follow_up(session, response, ticket, reasons, now)
    update_customer_scores(session, invitation.customer_id, now)
    return response


def answer_summary(answer: rules.Answer) -> str:
    parts = [f"CSAT {answer.csat}/5"]
    if answer.effort is not None:
        parts.append(_("effort %(n)s/7", n=answer.effort))
    if answer.nps is not None:
        parts.append(f"NPS {answer.nps}/10")
    text = " · ".join(parts)
    return f"{text} — {answer.comment}" if answer.comment else text


def ticket_survey(session: Session, ticket_id: int) -> SurveyResponse | None:
    """The ticket's answer, if it has one (the API's `survey` object)."""
    return session.scalar(
        select(SurveyResponse).where(SurveyResponse.ticket_id == ticket_id).order_by(SurveyResponse.id.desc()).limit(1)
    )


def survey_pass(session: Session, now: datetime, *, base_url: str) -> tuple[SendReport, int]:
    """The background worker's survey work: send the due invitations, flag overdue follow-ups.
    Commits (the e-mails then leave with the outbox, the live events with the commit)."""
    report = send_due_invitations(session, now, base_url=base_url)
    overdue = followups.claim_overdue(session, now)
    session.commit()
    return report, len(overdue)
