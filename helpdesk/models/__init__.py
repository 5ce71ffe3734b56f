"""The domain model, one module per aggregate; importing this package registers every table."""
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.users import ApiToken, Team, User, UserToken, team_members, ROLES, STAFF_ROLES
from helpdesk.models.customers import (
    ConsentEvent,
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerProduct,
    Interaction,
    Order,
    Organization,
    Product,
)
from helpdesk.models.tickets import (
    Attachment,
    CannedResponse,
    Message,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    ticket_tags,
)
from helpdesk.models.sla import BusinessCalendar, SLAPolicy, SlaClock, SlaRecompute
from helpdesk.models.calls import CallLog
from helpdesk.models.surveys import FollowUp, SurveyInvitation, SurveyResponse
from helpdesk.models.settings import Setting
from helpdesk.models.promises import AlertAcknowledgement, Promise
from helpdesk.models.outbox import InboundEmail, OutboxMessage
from helpdesk.models.audit import AuditEvent
from helpdesk.models.heartbeats import Heartbeat
from helpdesk.models.reports import KeptReport

__all__ = [
    "AlertAcknowledgement", "ApiToken", "AuditEvent", "Heartbeat", "KeptReport", "ConsentEvent", "InboundEmail", "UserToken", "Attachment", "Promise", "BusinessCalendar", "CallLog", "CannedResponse", "Customer",
    "CustomerEmail", "CustomerPhone", "FollowUp", "Setting", "CustomerProduct", "Interaction", "Message", "Order",
    "Organization", "OutboxMessage", "Product", "ROLES", "SLAPolicy", "STAFF_ROLES", "SlaClock", "SlaRecompute",
    "SurveyInvitation", "SurveyResponse", "Tag", "Team", "Ticket", "TicketEvent", "TicketLink",
    "User", "UTCDateTime", "team_members", "ticket_tags", "utcnow",
]
