"""Results back to every employee

Revision ID: b26c0sharing
Revises: b26b0voice
Create Date: 2026-12-04 09:40:00

"""
from alembic import op
import sqlalchemy as sa

import maturity.models_base


# revision identifiers, used by Alembic.
revision = 'b26c0sharing'
down_revision = 'b26b0voice'
branch_labels = None
depends_on = None


def upgrade():
    # When each invitee was mailed the link to the round's shared results (once per round).
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_shared_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True))

    # When the plan was first shared, and the nonce in the shared link's signature.
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('share_nonce', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.drop_column('share_nonce')
        batch_op.drop_column('shared_at')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('results_shared_at')
