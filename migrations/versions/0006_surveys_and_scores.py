"""surveys, follow-ups, settings, customer score inputs

Invitations are scheduled at resolution and get their token only when sent (token, sent_at and
expires_at become nullable); at most one per ticket. Existing rows (none in practice: nothing
wrote them before) read as already sent, in French.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:25:29.295614

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_follow_ups_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_follow_ups_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_follow_ups_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_follow_ups_response_id_survey_responses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_follow_ups_team_id_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_follow_ups_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('response_id', name=op.f('uq_follow_ups_response_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_customer_id_created_at', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_follow_ups_state_due_at', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effort_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('rfm_recency_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rfm_order_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rfm_amount', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('contacts_90d', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reopen_rate', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('breaches_suffered', sa.Integer(), nullable=True))
        batch_op.create_index('ix_customers_customer_score_id', ['customer_score', 'id'], unique=False)
        batch_op.create_index('ix_customers_last_contact_at_id', ['last_contact_at', 'id'], unique=False)

    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='fr'))
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='sent'))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('send_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('token_hash',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)
        batch_op.alter_column('sent_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)
        batch_op.alter_column('expires_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)
        batch_op.drop_index(batch_op.f('ix_survey_invitations_ticket_id'))
        batch_op.create_index('ix_survey_invitations_state_send_at', ['state', 'send_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_survey_invitations_ticket_id'), ['ticket_id'])

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=False, server_default='email'))



def downgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_column('channel')

    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_survey_invitations_ticket_id'), type_='unique')
        batch_op.drop_index('ix_survey_invitations_state_send_at')
        batch_op.create_index(batch_op.f('ix_survey_invitations_ticket_id'), ['ticket_id'], unique=False)
        batch_op.alter_column('expires_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.alter_column('sent_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.alter_column('token_hash',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.drop_column('send_at')
        batch_op.drop_column('created_at')
        batch_op.drop_column('state')
        batch_op.drop_column('language')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_last_contact_at_id')
        batch_op.drop_index('ix_customers_customer_score_id')
        batch_op.drop_column('breaches_suffered')
        batch_op.drop_column('reopen_rate')
        batch_op.drop_column('contacts_90d')
        batch_op.drop_column('rfm_amount')
        batch_op.drop_column('rfm_order_count')
        batch_op.drop_column('rfm_recency_days')
        batch_op.drop_column('effort_score')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_team_id'))
        batch_op.drop_index('ix_follow_ups_state_due_at')
        batch_op.drop_index('ix_follow_ups_customer_id_created_at')

    op.drop_table('follow_ups')
    op.drop_table('settings')
