"""import_batch: every import of responses, attributed; response.import_batch_id

Revision ID: 0008
Revises: 0007

A working-group member could add rows through the CSV import and read a real respondent's
answer off a small cell (issue 11, "Padding"). Each import is now one ``import_batch`` row
(campaign, role, who, when, how many responses, the kind and name of the file), written in the
same transaction as its responses, which point to it. Responses stored before this migration
keep ``import_batch_id`` NULL (their ``source`` still says "import"). Both directions run on
SQLite (batch mode) and PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_import_batch_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_import_batch_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batch_campaign_id"), ["campaign_id"], unique=False
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_response_import_batch_id_import_batch"),
            "import_batch",
            ["import_batch_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_response_import_batch_id_import_batch"), type_="foreignkey"
        )
        batch_op.drop_column("import_batch_id")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_campaign_id"))
    op.drop_table("import_batch")
