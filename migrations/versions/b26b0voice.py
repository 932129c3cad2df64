"""Employees' own voice: an open question

Revision ID: b26b0voice
Revises: b26a0segments
Create Date: 2026-12-04 09:40:00

"""
from alembic import op
import sqlalchemy as sa

import maturity.models_base


# revision identifiers, used by Alembic.
revision = 'b26b0voice'
down_revision = 'b26a0segments'
branch_labels = None
depends_on = None


def upgrade():
    # The employee's answer to the open question, released with the anonymous response (and
    # deleted with it at the end of the raw answers' retention period).
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
    # The results read a round's comments on every view: only the responses that have one.
    op.create_index('ix_response_commented', 'response', ['round_id', 'id'],
                    postgresql_where=sa.text('comment IS NOT NULL'), sqlite_where=sa.text('comment IS NOT NULL'))


def downgrade():
    op.drop_index('ix_response_commented', table_name='response')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('comment')
