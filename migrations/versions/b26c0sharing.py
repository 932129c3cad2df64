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
    pass


def downgrade():
    pass
