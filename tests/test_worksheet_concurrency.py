"""Teammates autosaving one team sheet at the same moment, each in its own request and database
transaction (threads, as gunicorn's are): every save is acknowledged or refused, never a server
error, and every acknowledged row is in the stored sheet, under the right person."""
import threading
from uuid import uuid4

import sqlalchemy as sa

from app.extensions import db
from app.toolkit.models import Worksheet, WorksheetRevision

PEOPLE, SAVES = 6, 6


def test_teammates_saving_one_team_sheet_at_once_lose_nothing(app, make_course, make_registration,
                                                               make_exercise):
    course = make_course(slug="together-2031", country="VN")
    make_exercise(course, "M11", mode="team")
    people = [make_registration(course, certificate_name=f"Member {n}", email=f"m{n}@example.vn")
              for n in range(PEOPLE)]
    db.session.commit()
    tokens = [person.token for person in people]
    acknowledged, failures = {}, []
    start = threading.Barrier(PEOPLE)

    def member(number: int) -> None:
        client, version, rows = app.test_client(), 0, {}
        with app.app_context():
            start.wait()
            for save in range(SAVES):
                # the whole table as the page knows it (worksheet.js), this member's row changed
                rows[f"row-{number}"] = text = f"Action {number}.{save}"
                form = {"version": str(version), "save_key": uuid4().hex}
                for index, (row_id, action) in enumerate(rows.items()):
                    form |= {f"actions-{index}-row_id": row_id, f"actions-{index}-action": action}
                response = client.post(f"/p/{tokens[number]}/worksheets/M11/save", data=form)
                if response.status_code != 200:
                    failures.append((number, response.status_code))
                    continue
                answer = response.get_json()
                version = answer["version"]
                rows = {row["row_id"]: row["cells"]["action"]
                        for row in answer["state"]["rows"]["actions"]}
                acknowledged[number] = text

    threads = [threading.Thread(target=member, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    db.session.commit()  # a new transaction: it sees what the requests committed
    sheet = db.session.scalar(sa.select(Worksheet))
    rows = {row["row_id"]: row["action"] for row in sheet.answers["actions"]}
    assert rows == {f"row-{n}": acknowledged[n] for n in range(PEOPLE)}
    versions = db.session.scalars(sa.select(WorksheetRevision.version)
                                  .order_by(WorksheetRevision.version)).all()
    assert versions == list(range(1, sheet.version + 1)) and sheet.version == PEOPLE * SAVES
