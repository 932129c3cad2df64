"""SCIM provisioning: an organisation's directory tokens, the Users and Groups it wrote, and
which directory attribute fills which segment

Revision ID: b28c0scim
Revises: b28b0brand
Create Date: 2026-12-04 15:30:00

"""
from alembic import op
import sqlalchemy as sa

from maturity.models_base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b28c0scim'
down_revision = 'b28b0brand'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scim_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_scim_token_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_scim_token_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_scim_token_token_hash'))
    )
    with op.batch_alter_table('scim_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_token_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('scim_resource',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('resource_type', sa.String(length=8), nullable=False),
    sa.Column('user_name', sa.String(length=255), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('display_name', sa.String(length=255), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['organisation_membership.id'], name=op.f('fk_scim_resource_membership_id_organisation_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_scim_resource_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_resource')),
    sa.UniqueConstraint('organisation_id', 'resource_type', 'user_name', name=op.f('uq_scim_resource_organisation_id_resource_type_user_name'))
    )
    with op.batch_alter_table('scim_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_resource_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scim_resource_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scim_resource_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('scim_group_member',
    sa.Column('group_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['scim_resource.id'], name=op.f('fk_scim_group_member_group_id_scim_resource'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['scim_resource.id'], name=op.f('fk_scim_group_member_user_id_scim_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_scim_group_member'))
    )
    with op.batch_alter_table('scim_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_group_member_user_id'), ['user_id'], unique=False)

    op.create_table('scim_segment_source',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('attribute', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_scim_segment_source_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], name=op.f('fk_scim_segment_source_segment_id_segment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', name=op.f('pk_scim_segment_source'))
    )
    with op.batch_alter_table('scim_segment_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_segment_source_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    op.drop_table('scim_segment_source')
    op.drop_table('scim_group_member')
    op.drop_table('scim_resource')
    op.drop_table('scim_token')
