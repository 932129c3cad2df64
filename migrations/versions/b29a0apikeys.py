"""API keys: a consultancy's or an organisation's, hashed, scoped, expiring, revocable

Revision ID: b29a0apikeys
Revises: b28d0sso
Create Date: 2026-12-04 17:20:00

"""
from alembic import op
import sqlalchemy as sa

from maturity.models_base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b29a0apikeys'
down_revision = 'b28d0sso'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultancy_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(consultancy_id IS NULL) <> (organisation_id IS NULL)', name=op.f('ck_api_key_one_owner')),
    sa.ForeignKeyConstraint(['consultancy_id'], ['consultancy.id'], name=op.f('fk_api_key_consultancy_id_consultancy'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_api_key_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_api_key_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_key_key_hash'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_consultancy_id'), ['consultancy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_key_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_api_key_consultancy_id'))
    op.drop_table('api_key')
