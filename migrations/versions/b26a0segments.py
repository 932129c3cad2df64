"""Segments of people and services customers are tied to

Revision ID: b26a0segments
Revises: a073a85d43e5
Create Date: 2026-12-04 09:40:00

"""
from alembic import op
import sqlalchemy as sa

import maturity.models_base


# revision identifiers, used by Alembic.
revision = 'b26a0segments'
down_revision = 'a073a85d43e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'segment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('is_service', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('is_asked', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', maturity.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organisation_id', 'name'),
    )
    op.create_index(op.f('ix_segment_organisation_id'), 'segment', ['organisation_id'], unique=False)
    op.create_table(
        'segment_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('segment_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('segment_id', 'name'),
    )
    op.create_index(op.f('ix_segment_value_organisation_id'), 'segment_value', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_segment_value_segment_id'), 'segment_value', ['segment_id'], unique=False)
    op.create_table(
        'member_segment',
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('segment_id', sa.Integer(), nullable=False),
        sa.Column('value_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['membership_id'], ['organisation_membership.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['value_id'], ['segment_value.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('membership_id', 'segment_id'),
    )
    op.create_index(op.f('ix_member_segment_value_id'), 'member_segment', ['value_id'], unique=False)
    op.create_table(
        'segment_group',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('grp', sa.String(length=40), nullable=False),
        sa.Column('label', sa.JSON(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('comments', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['assessment_round.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', 'grp'),
    )
    op.create_table(
        'segment_tally',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('grp', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.Float(precision=53), nullable=False),
        sa.Column('squares', sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['assessment_round.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', 'grp', 'key'),
    )
    with op.batch_alter_table('customer_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_value_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_customer_invitation_service_value_id', 'segment_value',
                                    ['service_value_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('customer_invitation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_customer_invitation_service_value_id', type_='foreignkey')
        batch_op.drop_column('service_value_id')
    op.drop_table('segment_tally')
    op.drop_table('segment_group')
    op.drop_index(op.f('ix_member_segment_value_id'), table_name='member_segment')
    op.drop_table('member_segment')
    op.drop_index(op.f('ix_segment_value_segment_id'), table_name='segment_value')
    op.drop_index(op.f('ix_segment_value_organisation_id'), table_name='segment_value')
    op.drop_table('segment_value')
    op.drop_index(op.f('ix_segment_organisation_id'), table_name='segment')
    op.drop_table('segment')
