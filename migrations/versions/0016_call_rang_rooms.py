"""call rang rooms

A call keeps the live rooms it rang, so that its answer and its end are told there and to the
leads, not to every staff member (1,000 events a call at 500 agents).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rang_rooms', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('call_logs', schema=None) as batch_op:
        batch_op.drop_column('rang_rooms')
