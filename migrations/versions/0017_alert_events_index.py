"""alert events index

The lead dashboard's alert list reads the SLA warnings and breaches newest first. The index on
(action, created_at) left ties unordered: after a sweep breaches 11,000 clocks at one instant,
PostgreSQL sorted them all to show 50. A partial index on (created_at, id) of those two actions
alone is read in order, and the other ticket events no longer write to it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ALERT_PREDICATE = "action IN ('sla_warning', 'sla_breached')"


def upgrade():
    op.drop_index('ix_ticket_events_action_created_at', table_name='ticket_events')
    op.create_index('ix_ticket_events_alerts', 'ticket_events', ['created_at', 'id'],
                    sqlite_where=sa.text(ALERT_PREDICATE), postgresql_where=sa.text(ALERT_PREDICATE))


def downgrade():
    op.drop_index('ix_ticket_events_alerts', table_name='ticket_events')
    op.create_index('ix_ticket_events_action_created_at', 'ticket_events', ['action', 'created_at'])
