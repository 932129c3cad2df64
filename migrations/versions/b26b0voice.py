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
    pass


def downgrade():
    pass
