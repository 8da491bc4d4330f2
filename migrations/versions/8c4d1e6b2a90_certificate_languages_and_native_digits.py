"""certificate settings choose the certificate languages and native digits

Revision ID: 8c4d1e6b2a90
Revises: 5e0a2f7c91d4
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '8c4d1e6b2a90'
down_revision = '5e0a2f7c91d4'
branch_labels = None
depends_on = None


def upgrade():
    # Existing courses keep today's certificates: English plus the participant's language.
    with op.batch_alter_table('certificate_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_mode', sa.String(length=30), nullable=False,
                                      server_default='english_and_participant'))
        batch_op.add_column(sa.Column('fixed_language1', sa.String(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('fixed_language2', sa.String(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('native_digits', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('certificate_settings', schema=None) as batch_op:
        batch_op.drop_column('native_digits')
        batch_op.drop_column('fixed_language2')
        batch_op.drop_column('fixed_language1')
        batch_op.drop_column('language_mode')
