"""Signing in with a tenant's own OpenID provider: one identity provider per consultancy or
client organisation (issuer, client id, sealed client secret, allowed e-mail domains)

Revision ID: b28d0sso
Revises: b28c0scim
Create Date: 2026-12-04 15:20:00

"""
from alembic import op
import sqlalchemy as sa

from maturity.models_base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b28d0sso'
down_revision = 'b28c0scim'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultancy_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('client_id', sa.String(length=200), nullable=False),
    sa.Column('client_secret_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('allowed_domains', sa.Text(), nullable=False),
    sa.Column('create_accounts', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('required', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint('(consultancy_id IS NULL) <> (organisation_id IS NULL)', name=op.f('ck_identity_provider_one_tenant')),
    sa.ForeignKeyConstraint(['consultancy_id'], ['consultancy.id'], name=op.f('fk_identity_provider_consultancy_id_consultancy'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_identity_provider_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider')),
    sa.UniqueConstraint('consultancy_id', name=op.f('uq_identity_provider_consultancy_id')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_identity_provider_organisation_id'))
    )


def downgrade():
    op.drop_table('identity_provider')
