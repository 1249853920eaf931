"""answer.tally replaces answer.first_of_question and answer.segment_option_id

Revision ID: 0005
Revises: 0004

One derived column instead of two, so a campaign's analysis groups its answers by three
columns (question, option, tally) instead of four: on SQLite each grouped column costs a fixed
share of the scan, and with four the analysis of 100,000 respondents stayed above 1.5 × the bare
(question, option) GROUP BY (docs/methodology.md, "Performance"). ``tally`` carries what the two
carried where the analysis reads them (app/surveys/respondent/answer_rows.py): None on a later row of the
same response and question (``first_of_question`` false), else the response's segment option
id, or 0 for none (the segment was only ever read on first rows). The counts index follows.
Both directions run on SQLite and PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TALLY = sa.text(
    "UPDATE answer SET tally ="
    " CASE WHEN first_of_question = :yes THEN coalesce(segment_option_id, 0) END"
).bindparams(yes=True)

# Down: the first rows keep their tally; every row of a response takes the segment option its
# first rows carry (they all carry the same one), so later rows get theirs back too.
_FIRST_OF_QUESTION = sa.text(
    "UPDATE answer SET first_of_question = :yes WHERE tally IS NOT NULL"
).bindparams(yes=True)
_SEGMENT_OPTION = sa.text(
    "UPDATE answer SET segment_option_id = ("
    " SELECT max(head.tally) FROM answer AS head"
    " WHERE head.response_id = answer.response_id AND head.tally > 0)"
    " WHERE response_id IN (SELECT response_id FROM answer WHERE tally > 0)"
)


def upgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tally", sa.Integer(), nullable=True))
    op.get_bind().execute(_TALLY)
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_campaign_counts")
        batch_op.drop_constraint(
            batch_op.f("fk_answer_segment_option_id_option"), type_="foreignkey"
        )
        batch_op.drop_column("segment_option_id")
        batch_op.drop_column("first_of_question")
        batch_op.create_index(
            "ix_answer_campaign_counts",
            ["campaign_id", "question_id", "option_id", "tally"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_of_question", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("segment_option_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_answer_segment_option_id_option"),
            "option",
            ["segment_option_id"],
            ["id"],
        )
    bind = op.get_bind()
    bind.execute(_FIRST_OF_QUESTION)
    bind.execute(_SEGMENT_OPTION)
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_campaign_counts")
        batch_op.drop_column("tally")
        batch_op.create_index(
            "ix_answer_campaign_counts",
            ["campaign_id", "question_id", "option_id", "segment_option_id", "first_of_question"],
            unique=False,
        )
