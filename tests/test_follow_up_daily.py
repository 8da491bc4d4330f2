"""The daily ``follow-up send`` command sends, of each course, only the latest round due, and only
within RECENT_DAYS of its due date: a first run on an old installation emails no team of a
long-past course, and no team gets two rounds the same day. What it leaves, it says."""
import sqlalchemy as sa

from app.followup import operations
from app.followup.models import FollowUpRound
from app.mail.models import OutboxMessage
from helpers import count
from test_follow_up import course  # noqa: F401 (the fixture: rounds due 2025-04-30 and 2025-07-31)


def sent_numbers(course) -> list[int]:
    return [r.number for r in operations.rounds(course) if r.sent_at is not None]


def test_the_window_is_thirty_days_after_the_due_date(runner, course, db):
    assert operations.RECENT_DAYS == 30
    late = runner.invoke(args=["follow-up", "send", "--today", "2025-05-31"])  # 31 days after
    assert late.exit_code == 0, late.output
    assert count(OutboxMessage) == 0 and sent_numbers(course) == []
    assert ("follow-2025: follow-up 1 (due 2025-04-30) not sent, left to the trainers: older than "
            "30 days or followed by a later round") in late.output
    assert "0 follow-up round(s) sent, 1 left to the trainers." in late.output
    just = runner.invoke(args=["follow-up", "send", "--today", "2025-05-30"])  # 30 days after
    assert "follow-2025: follow-up 1 sent, 3 email(s)" in just.output
    assert "1 follow-up round(s) sent, 0 left to the trainers." in just.output
    assert count(OutboxMessage) == 3 and sent_numbers(course) == [1]


def test_a_first_run_long_after_the_course_emails_no_one(runner, course, db):
    result = runner.invoke(args=["follow-up", "send", "--today", "2027-03-01"])
    assert result.exit_code == 0, result.output
    assert count(OutboxMessage) == 0 and count(FollowUpRound) == 0  # nothing stored either
    assert "follow-up 1 (due 2025-04-30) not sent" in result.output
    assert "follow-up 2 (due 2025-07-31) not sent" in result.output
    assert "0 follow-up round(s) sent, 2 left to the trainers." in result.output


def test_only_the_latest_due_round_is_sent_and_the_earlier_one_stays_for_the_trainers(
        runner, course, db, client, login):
    result = runner.invoke(args=["follow-up", "send", "--today", "2025-08-05"])  # both due
    assert "follow-2025: follow-up 2 sent, 3 email(s)" in result.output
    assert "follow-up 1 (due 2025-04-30) not sent, left to the trainers" in result.output
    assert count(OutboxMessage) == 3 and sent_numbers(course) == [2]
    bodies = [m.body for m in db.session.scalars(sa.select(OutboxMessage))]
    assert all("/follow-up/2" in body and "/follow-up/1" not in body for body in bodies)
    again = runner.invoke(args=["follow-up", "send", "--today", "2025-08-06"])
    assert "0 follow-up round(s) sent, 1 left to the trainers." in again.output
    assert count(OutboxMessage) == 3
    login(course.trainers[0])  # the trainers may still send round 1 themselves
    url = f"/manage/courses/{course.slug}/follow-up/"
    assert 'value="send:1"' in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"action": "send:1"}).status_code == 302
    assert count(OutboxMessage) == 6 and sent_numbers(course) == [1, 2]


def test_two_rounds_due_close_together_are_not_sent_the_same_day(runner, course, db):
    operations.set_dates(course, {1: course.end_date.replace(month=7, day=25),
                                  2: course.end_date.replace(month=7, day=31)})
    db.session.commit()
    result = runner.invoke(args=["follow-up", "send", "--today", "2025-08-01"])
    assert "follow-up 2 sent" in result.output and "follow-up 1 sent" not in result.output
    assert count(OutboxMessage) == 3 and sent_numbers(course) == [2]


def test_the_help_gives_the_window(runner):
    result = runner.invoke(args=["follow-up", "send", "--help"])
    assert result.exit_code == 0 and "at most 30 days ago" in " ".join(result.output.split())
