"""ticket events by action and time, for the lead dashboard's alert list

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:50:00.000000

"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_ticket_events_action_created_at', 'ticket_events', ['action', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_ticket_events_action_created_at', table_name='ticket_events')
