"""issue jobs carry a lease; at most one queued or running bulk issue per course

Revision ID: d7f3a5c2e914
Revises: 8c4d1e6b2a90
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd7f3a5c2e914'
down_revision = '8c4d1e6b2a90'
branch_labels = None
depends_on = None

ACTIVE = "state IN ('queued', 'running')"


def upgrade():
    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    # Jobs left queued or running by the old code never finish: say so, and free their course
    # for the one-active-job index below.
    op.execute(sa.text(
        "UPDATE issue_job SET state = 'failed', finished_at = CURRENT_TIMESTAMP, "
        "error = 'The job stopped before it finished (found at an upgrade); start it again.' "
        f"WHERE {ACTIVE}"))
    op.create_index('uq_issue_job_active_course', 'issue_job', ['course_id'], unique=True,
                    sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade():
    op.drop_index('uq_issue_job_active_course', table_name='issue_job')
    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
