"""A consultancy's own host name (tenancy.hosts)

Revision ID: b28a0hosts
Revises: b27d0documents
Create Date: 2026-12-04 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b28a0hosts'
down_revision = 'b27d0documents'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultancy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host', sa.String(length=253), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_consultancy_host'), ['host'])


def downgrade():
    with op.batch_alter_table('consultancy', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_consultancy_host'), type_='unique')
        batch_op.drop_column('host')
