"""promises, alert acknowledgements, ticket counters, knowledge-base search misses

Tickets gain counters kept by the ticket service (public agent replies, reopenings) and the ticket
they repeat, for first-contact resolution; existing tickets get their counters from their messages
and events (repeat_of_id stays empty for them: the rule looks forward from a ticket's creation).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:36:56.820423

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_search_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_key', sa.String(length=200), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('followed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('folded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_search_log'))
    )
    with op.batch_alter_table('kb_search_log', schema=None) as batch_op:
        batch_op.create_index('ix_kb_search_log_folded_at_created_at', ['folded_at', 'created_at'], unique=False)

    op.create_table('search_misses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_key', sa.String(length=200), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.Column('no_results', sa.Integer(), nullable=False),
    sa.Column('not_followed', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('draft_article_id', sa.Integer(), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['draft_article_id'], ['articles.id'], name=op.f('fk_search_misses_draft_article_id_articles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_misses')),
    sa.UniqueConstraint('query_key', 'language', 'source', name=op.f('uq_search_misses_query_key'))
    )
    with op.batch_alter_table('search_misses', schema=None) as batch_op:
        batch_op.create_index('ix_search_misses_last_seen_at', ['last_seen_at'], unique=False)

    op.create_table('alert_acknowledgements',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['ticket_events.id'], name=op.f('fk_alert_acknowledgements_event_id_ticket_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alert_acknowledgements_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_alert_acknowledgements'))
    )
    op.create_table('promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=500), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('kept_by', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('kept_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('broken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call_logs.id'], name=op.f('fk_promises_call_id_call_logs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_promises_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_promises_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_promises_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_promises_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promises'))
    )
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promises_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_promises_owner_id_created_at', ['owner_id', 'created_at'], unique=False)
        batch_op.create_index('ix_promises_state_due_at', ['state', 'due_at'], unique=False)
        batch_op.create_index('ix_promises_state_warn_at', ['state', 'warn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_promises_ticket_id'), ['ticket_id'], unique=False)

    # SQLite copies the table to add the foreign key (its partial indexes are reflected and recreated).
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_replies', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reopened_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('repeat_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_repeat_of_id'), ['repeat_of_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tickets_repeat_of_id_tickets'), 'tickets', ['repeat_of_id'], ['id'],
                                    ondelete='SET NULL')
    # The counters of existing tickets, from their messages and status events.
    op.execute("""
        UPDATE tickets SET
          agent_replies = (SELECT count(*) FROM messages m
                           WHERE m.ticket_id = tickets.id AND m.kind = 'reply' AND NOT m.from_customer),
          reopened_count = (SELECT count(*) FROM ticket_events e
                            WHERE e.ticket_id = tickets.id AND e.field = 'status'
                              AND e.old_value IN ('resolved', 'closed')
                              AND e.new_value IN ('new', 'open', 'pending_customer', 'pending_third_party'))
    """)



def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_repeat_of_id'))
        batch_op.drop_constraint(batch_op.f('fk_tickets_repeat_of_id_tickets'), type_='foreignkey')
        batch_op.drop_column('repeat_of_id')
        batch_op.drop_column('reopened_count')
        batch_op.drop_column('agent_replies')

    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promises_ticket_id'))
        batch_op.drop_index('ix_promises_state_warn_at')
        batch_op.drop_index('ix_promises_state_due_at')
        batch_op.drop_index('ix_promises_owner_id_created_at')
        batch_op.drop_index(batch_op.f('ix_promises_customer_id'))

    op.drop_table('promises')
    op.drop_table('alert_acknowledgements')
    with op.batch_alter_table('search_misses', schema=None) as batch_op:
        batch_op.drop_index('ix_search_misses_last_seen_at')

    op.drop_table('search_misses')
    with op.batch_alter_table('kb_search_log', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_search_log_folded_at_created_at')

    op.drop_table('kb_search_log')
