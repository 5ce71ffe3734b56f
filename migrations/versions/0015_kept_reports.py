"""kept reports

Reports over long periods keep their figures for a few minutes (kept_reports: the report's name
and filters digest, its figures as JSON, when computed and how long it took, when last shown).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kept_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('filters', sa.Text(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('compute_ms', sa.Integer(), nullable=False),
        sa.Column('viewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', name=op.f('uq_kept_reports_key')),
    )
    with op.batch_alter_table('kept_reports', schema=None) as batch_op:
        batch_op.create_index('ix_kept_reports_viewed_at', ['viewed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_kept_reports_viewed_at')
    op.drop_table('kept_reports')
