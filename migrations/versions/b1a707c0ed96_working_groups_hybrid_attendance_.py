"""working groups, hybrid attendance, speakers who are participants, early-issue records

Courses group team worksheets by country (as before) or by working group; registrations say
whether a hybrid course's participant attends online; attendance can come from a join link or a
meeting platform's report; a speaker can be a participant; early attendance and early
certificates record that the trainer confirmed them.

Revision ID: b1a707c0ed96
Revises: d7f3a5c2e914
Create Date: 2026-12-05 21:34:45.341658

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b1a707c0ed96'
down_revision = 'd7f3a5c2e914'
branch_labels = None
depends_on = None

GROUPINGS = ('country', 'groups')
ATTENDANCE_MODES = ('in_person', 'online')
METHODS = ('trainer', 'qr', 'sheet', 'link', 'report')
OLD_METHODS = ('trainer', 'qr', 'sheet')
ONE_OF_TWO = '(registration_id IS NULL) <> (delegation_id IS NULL)'
ONE_OF_THREE = ('(CASE WHEN registration_id IS NULL THEN 0 ELSE 1 END'
                ' + CASE WHEN delegation_id IS NULL THEN 0 ELSE 1 END'
                ' + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1')


def upgrade():
    op.create_table('working_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_working_group_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_group')),
    sa.UniqueConstraint('course_id', 'name', name=op.f('uq_working_group_course_id_name'))
    )
    with op.batch_alter_table('working_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_group_course_id'), ['course_id'], unique=False)

    op.create_table('attendance_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("platform IN ('zoom', 'teams')", name=op.f('ck_attendance_import_platform')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_attendance_import_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_attendance_import_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['agenda_session.id'], name=op.f('fk_attendance_import_session_id_agenda_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_import'))
    )
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_import_course_id'), ['course_id'], unique=False)

    with op.batch_alter_table('attendance_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('before_start', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_early', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grouping', sa.String(length=20), nullable=False,
                                      server_default='country'))
        batch_op.add_column(sa.Column('group_rule', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.create_check_constraint('grouping', sa.column('grouping').in_(GROUPINGS))

    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('early_confirmed', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attendance_mode', sa.String(length=10), nullable=False,
                                      server_default='in_person'))
        batch_op.create_check_constraint('attendance_mode', sa.column('attendance_mode').in_(ATTENDANCE_MODES))
        batch_op.create_index(batch_op.f('ix_registration_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registration_group_id_working_group'), 'working_group', ['group_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_speaker_registration_id'), ['registration_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_speaker_registration_id_registration'), 'registration', ['registration_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('worksheet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_worksheet_group_id'), ['group_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_worksheet_exercise_id_group_id'), ['exercise_id', 'group_id'])
        batch_op.create_foreign_key(batch_op.f('fk_worksheet_group_id_working_group'), 'working_group', ['group_id'], ['id'])
        batch_op.drop_constraint('one_owner', type_='check')
        batch_op.create_check_constraint('one_owner', sa.text(ONE_OF_THREE))

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint('method', type_='check')
        batch_op.create_check_constraint('method', sa.column('method').in_(METHODS))



def downgrade():
    # Attendance from join links and reports, and group sheets, have no place in the old schema.
    op.execute(sa.text("DELETE FROM attendance_change WHERE method IN ('link', 'report')"))
    op.execute(sa.text("DELETE FROM attendance WHERE method IN ('link', 'report')"))
    op.execute(sa.text('DELETE FROM worksheet WHERE group_id IS NOT NULL'))
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint('method', type_='check')
        batch_op.create_check_constraint('method', sa.column('method').in_(OLD_METHODS))

    with op.batch_alter_table('worksheet', schema=None) as batch_op:
        batch_op.drop_constraint('one_owner', type_='check')
        batch_op.create_check_constraint('one_owner', sa.text(ONE_OF_TWO))
        batch_op.drop_constraint(batch_op.f('fk_worksheet_group_id_working_group'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_worksheet_exercise_id_group_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_worksheet_group_id'))
        batch_op.drop_column('group_id')

    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_speaker_registration_id_registration'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_speaker_registration_id'))
        batch_op.drop_column('registration_id')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_group_id_working_group'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registration_group_id'))
        batch_op.drop_constraint('attendance_mode', type_='check')
        batch_op.drop_column('attendance_mode')
        batch_op.drop_column('group_id')

    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.drop_column('early_confirmed')

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_constraint('grouping', type_='check')
        batch_op.drop_column('group_rule')
        batch_op.drop_column('grouping')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('issued_early')

    with op.batch_alter_table('attendance_change', schema=None) as batch_op:
        batch_op.drop_column('before_start')

    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_import_course_id'))

    op.drop_table('attendance_import')
    with op.batch_alter_table('working_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_group_course_id'))

    op.drop_table('working_group')
