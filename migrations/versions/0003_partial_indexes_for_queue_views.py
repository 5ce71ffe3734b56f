"""partial indexes for queue views

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:18:26.480493

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


OPEN = sa.text("status IN ('new', 'open', 'pending_customer', 'pending_third_party')")
# Index changes need no table rebuild, so no batch mode: plain CREATE/DROP INDEX on both engines.


def upgrade():
    op.drop_index("ix_tickets_assignee_id_status_sla_due_at", table_name="tickets")
    op.drop_index("ix_tickets_team_id_status_sla_due_at", table_name="tickets")
    for name, columns in (
        ("ix_tickets_open_assignee_id", ["assignee_id", "sla_due_at", "id"]),
        ("ix_tickets_open_sla_due_at", ["sla_due_at", "id"]),
        ("ix_tickets_open_sla_state", ["sla_state", "sla_due_at", "id"]),
        ("ix_tickets_open_team_id", ["team_id", "sla_due_at", "id"]),
    ):
        op.create_index(name, "tickets", columns, unique=False, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    for name in ("ix_tickets_open_team_id", "ix_tickets_open_sla_state", "ix_tickets_open_sla_due_at", "ix_tickets_open_assignee_id"):
        op.drop_index(name, table_name="tickets")
    op.create_index("ix_tickets_team_id_status_sla_due_at", "tickets", ["team_id", "status", "sla_due_at", "id"], unique=False)
    op.create_index("ix_tickets_assignee_id_status_sla_due_at", "tickets", ["assignee_id", "status", "sla_due_at", "id"], unique=False)
