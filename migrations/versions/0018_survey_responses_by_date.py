"""survey responses by date

The satisfaction figures (the report, the agents' table, the dashboard) read the answers given in a
period, yet survey_responses had no index on created_at: every report read all the answers (200,000
at a million tickets) through the agent's or the team's index. A covering index on created_at with
the columns the figures group and count by answers them from the index alone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 02:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

COLUMNS = ['created_at', 'team_id', 'agent_id', 'csat', 'nps', 'effort', 'ticket_id', 'customer_id', 'id']


def upgrade():
    op.create_index('ix_survey_responses_created_at', 'survey_responses', COLUMNS)


def downgrade():
    op.drop_index('ix_survey_responses_created_at', table_name='survey_responses')
