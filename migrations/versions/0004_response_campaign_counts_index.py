"""Response index covering the responses-per-role count of the analysis.

ix_response_campaign_counts (campaign_id, questionnaire_id, role) replaces
ix_response_campaign_id: the analysis counts responses per questionnaire version and role
with an index-only scan instead of reading every response row.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_campaign_counts", ["campaign_id", "questionnaire_id", "role"], unique=False
        )
        batch_op.drop_index("ix_response_campaign_id")


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index("ix_response_campaign_id", ["campaign_id"], unique=False)
        batch_op.drop_index("ix_response_campaign_counts")
