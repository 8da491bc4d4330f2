"""outbox messages know their registration: erasing a registration's data removes its own messages
and no one else's (someone registering with another person's address)

Revision ID: 0cfd7ee41d9a
Revises: 1d51f204de6e
Create Date: 2026-12-06 01:56:03.035409

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0cfd7ee41d9a'
down_revision = '1d51f204de6e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_registration_id'), ['registration_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_registration_id_registration'), 'registration', ['registration_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_registration_id_registration'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_registration_id'))
        batch_op.drop_column('registration_id')

