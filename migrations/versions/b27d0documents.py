"""Documents made by the worker: the customer card and the personal result PDF cached like the
report, and a claim with a heartbeat on every document's row (pdf.documents)

Revision ID: b27d0documents
Revises: b26c0sharing
Create Date: 2026-12-04 14:53:51.618118

"""
from alembic import op
import sqlalchemy as sa

import maturity.models_base


# revision identifiers, used by Alembic.
revision = 'b27d0documents'
down_revision = 'b26c0sharing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', maturity.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('requested_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['assessment_round.id'], name=op.f('fk_customer_card_round_id_assessment_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_card')),
    sa.UniqueConstraint('round_id', 'language', name=op.f('uq_customer_card_round_id_language'))
    )
    with op.batch_alter_table('customer_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_card_round_id'), ['round_id'], unique=False)

    op.create_table('personal_result_pdf',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('sealed_key', sa.LargeBinary(), nullable=True),
    sa.Column('sealed_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', maturity.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('requested_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_personal_result_pdf_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_result_pdf')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_personal_result_pdf_invitation_id'))
    )
    with op.batch_alter_table('report_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', maturity.models_base.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('claimed_at')

    with op.batch_alter_table('report_cache', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('claimed_at')

    op.drop_table('personal_result_pdf')
    with op.batch_alter_table('customer_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_card_round_id'))

    op.drop_table('customer_card')
