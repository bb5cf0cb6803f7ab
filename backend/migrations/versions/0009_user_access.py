"""revocable bearer tokens: each CRM user's token generation, apart from the provider connection

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('associate_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'associate_id', name='uq_user_access_associate')
    )
    # Tokens issued before this release carry their connection's token_version: they keep working. Those of users
    # without a connection row find no access row and are refused (one sign-in brings them back).
    op.execute(
        "INSERT INTO user_access (tenant_id, associate_id, generation) "
        "SELECT tenant_id, associate_id, token_version FROM user_connection"
    )


def downgrade() -> None:
    op.drop_table('user_access')
