"""answer.first_of_question and answer.segment_option_id: the analysis in one GROUP BY

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:30:00.000000

Two columns written once with each answer row (app/surveys/respondent/answer_rows.py) so that a
campaign's analysis reads its answers once: ``first_of_question`` (true on one row per response
and question: the respondents of a multiple-choice question are a sum, not a count(DISTINCT))
and ``segment_option_id`` (the same response's answer to its questionnaire's segment question:
the segment breakdowns without a self-join). The aggregation index is replaced by one that
covers the new GROUP BY. Existing rows are backfilled with SQL that runs on SQLite and
PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_of_question', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('segment_option_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_answer_segment_option_id_option'), 'option', ['segment_option_id'], ['id'])
        batch_op.drop_index('ix_answer_aggregation')

    _backfill()

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index('ix_answer_campaign_counts', ['campaign_id', 'question_id', 'option_id', 'segment_option_id', 'first_of_question'], unique=False)


# The rules are those of app/surveys/respondent/answer_rows.py: the first row (lowest id) of each response
# and question; the segment question is the questionnaire's first single-choice question marked
# ``segment`` (by position), and its first chosen option is copied to every row of the response.
_FIRST_OF_QUESTION = sa.text(
    "UPDATE answer SET first_of_question = :yes"
    " WHERE id IN (SELECT min(id) FROM answer GROUP BY response_id, question_id)"
).bindparams(yes=True)

_SEGMENT_OPTION = sa.text(
    "UPDATE answer SET segment_option_id = ("
    " SELECT seg.option_id FROM answer AS seg"
    " JOIN response AS r ON r.id = seg.response_id"
    " JOIN question AS q ON q.id = seg.question_id"
    " WHERE seg.response_id = answer.response_id AND seg.option_id IS NOT NULL"
    " AND q.id = ("
    "  SELECT s.id FROM question AS s"
    "  WHERE s.questionnaire_id = r.questionnaire_id AND s.segment = :yes AND s.type = 'single'"
    "  ORDER BY s.position, s.id LIMIT 1)"
    " ORDER BY seg.id LIMIT 1)"
    " WHERE response_id IN ("
    "  SELECT a.response_id FROM answer AS a JOIN question AS q ON q.id = a.question_id"
    "  WHERE q.segment = :yes AND q.type = 'single' AND a.option_id IS NOT NULL)"
).bindparams(yes=True)


def _backfill():
    bind = op.get_bind()
    bind.execute(_FIRST_OF_QUESTION)
    bind.execute(_SEGMENT_OPTION)


def downgrade():
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_campaign_counts')
        batch_op.create_index('ix_answer_aggregation', ['campaign_id', 'question_id', 'option_id', 'response_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_answer_segment_option_id_option'), type_='foreignkey')
        batch_op.drop_column('segment_option_id')
        batch_op.drop_column('first_of_question')
