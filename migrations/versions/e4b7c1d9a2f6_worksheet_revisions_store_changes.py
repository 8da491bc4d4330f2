"""worksheet revisions store what changed since the version before (or the whole sheet)

Revision ID: e4b7c1d9a2f6
Revises: 84c0bce392c6
Create Date: 2026-12-06 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e4b7c1d9a2f6'
down_revision = '84c0bce392c6'
branch_labels = None
depends_on = None


def upgrade():
    # Revisions saved so far keep the whole sheet: they stay as they are.
    with op.batch_alter_table('worksheet_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.JSON(), nullable=True))
        batch_op.alter_column('answers', existing_type=sa.JSON(), nullable=True)


def downgrade():
    # Rebuild every version whole before the column that holds changes goes.
    connection = op.get_bind()
    table = sa.table('worksheet_revision', sa.column('id', sa.Integer),
                     sa.column('worksheet_id', sa.Integer), sa.column('version', sa.Integer),
                     sa.column('answers', sa.JSON(none_as_null=True)),
                     sa.column('changes', sa.JSON(none_as_null=True)))
    rows = connection.execute(sa.select(table).order_by(table.c.worksheet_id, table.c.version)).all()
    state, sheet, last = None, None, None
    for row in rows:
        if row.worksheet_id != sheet:
            state, sheet, last = None, row.worksheet_id, None
        if row.answers is not None:
            state = row.answers
        elif state is not None and last == row.version - 1:
            state = _apply(state, row.changes or {})
            connection.execute(table.update().where(table.c.id == row.id).values(answers=state))
        else:
            state = None
        last = row.version
    connection.execute(table.delete().where(table.c.answers.is_(None)))  # history cut: unreadable
    with op.batch_alter_table('worksheet_revision', schema=None) as batch_op:
        batch_op.alter_column('answers', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('changes')


def _apply(before: dict, changes: dict) -> dict:
    # app.toolkit.revisions.apply_changes as this migration was written (migrations do not
    # import the app's code, which moves on)
    gone = set(changes.get("unset") or ())
    after = {name: value for name, value in before.items() if name not in gone}
    after.update(changes.get("set") or {})
    for name, table in (changes.get("rows") or {}).items():
        old = {row.get("row_id"): row for row in before.get(name) or ()}
        changed = {row["row_id"]: row for row in table["changed"]}
        after[name] = [changed[row_id] if row_id in changed else old[row_id]
                       for row_id in table["order"]]
    return after
