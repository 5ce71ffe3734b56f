"""indexes the lead's reports read: SLA clocks by metric and start, tickets by resolution time

The reports aggregate the clocks started in a period (compliance, business-time percentiles) and
the tickets resolved in it (volume per day and channel). Both indexes hold every column those
statements read, so each is answered from the index alone, without visiting the table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:30:00.000000

"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

CLOCKS = ['metric', 'started_at', 'state', 'stopped_at', 'elapsed_seconds', 'ticket_id']
RESOLVED = ['resolved_at', 'created_at', 'channel']


def upgrade():
    op.create_index('ix_sla_clocks_metric_started_at', 'sla_clocks', CLOCKS, unique=False)
    op.create_index('ix_tickets_resolved_at_created_at_channel', 'tickets', RESOLVED, unique=False)
    op.drop_index('ix_tickets_resolved_at', table_name='tickets')  # its leading column: the new one serves


def downgrade():
    op.create_index('ix_tickets_resolved_at', 'tickets', ['resolved_at'], unique=False)
    op.drop_index('ix_tickets_resolved_at_created_at_channel', table_name='tickets')
    op.drop_index('ix_sla_clocks_metric_started_at', table_name='sla_clocks')
