"""deflection attempt: group a customer's suggestion views and submission on one new-request form

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deflection_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_deflection_events_attempt'), ['attempt'], unique=False)


def downgrade():
    with op.batch_alter_table('deflection_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deflection_events_attempt'))
        batch_op.drop_column('attempt')
