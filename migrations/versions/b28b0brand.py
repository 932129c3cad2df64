"""An organisation's word for its customers; a consultancy's own sender address; mail's sender, HTML part and logo

Revision ID: b28b0brand
Revises: b28a0hosts
Create Date: 2026-12-04 15:20:00

"""
from alembic import op
import sqlalchemy as sa

from maturity.models_base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b28b0brand'
down_revision = 'b28a0hosts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_logo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mimetype', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_logo')),
    sa.UniqueConstraint('sha256', name=op.f('uq_outbox_logo_sha256'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sender_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('sender_address', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('logo_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_logo_id_outbox_logo'), 'outbox_logo', ['logo_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_word', sa.String(length=16), server_default='klant', nullable=False))
    with op.batch_alter_table('consultancy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_sender', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_logo_id_outbox_logo'), type_='foreignkey')
        for column in ('logo_id', 'reply_to', 'sender_address', 'sender_name', 'html_sealed'):
            batch_op.drop_column(column)
    op.drop_table('outbox_logo')
    with op.batch_alter_table('consultancy', schema=None) as batch_op:
        batch_op.drop_column('mail_sender')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('customer_word')
