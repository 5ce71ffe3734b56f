"""calendar openings and SLA recomputes

Business calendars get exceptional openings (a date with its own hours, over holidays and closed
days); sla_recomputes keeps the background recomputes that follow a policy, calendar or team
change (what, how far, who asked), so their progress can be shown and an interrupted one resumed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('business_calendars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('openings', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.create_table(
        'sla_recomputes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=300), nullable=False),
        sa.Column('scope', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('last_ticket_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('sla_recomputes', schema=None) as batch_op:
        batch_op.create_index('ix_sla_recomputes_state', ['state', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('sla_recomputes', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_recomputes_state')
    op.drop_table('sla_recomputes')
    with op.batch_alter_table('business_calendars', schema=None) as batch_op:
        batch_op.drop_column('openings')
