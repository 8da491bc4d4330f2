"""worksheet revisions remember the earlier version they restored

Revision ID: 5e0a2f7c91d4
Revises: cb3e85de21da
Create Date: 2026-12-05 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5e0a2f7c91d4'
down_revision = 'cb3e85de21da'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('worksheet_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restored_from', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('worksheet_revision', schema=None) as batch_op:
        batch_op.drop_column('restored_from')
