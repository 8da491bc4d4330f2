"""``flask --app app follow-up send``: send the follow-up rounds that are due, for a daily timer."""
from datetime import date

import click

from .operations import RECENT_DAYS, send_due


@click.command("send", help=(
    "Send the follow-up rounds that fell due, for a daily timer. Of each course, only the latest "
    f"round due is sent, and only if it fell due at most {RECENT_DAYS} days ago and was not sent: "
    "a first run does not email the teams of long-past courses, and a team never gets two rounds "
    "the same day. The other due rounds are listed and left to the trainers, who may send any "
    "round from the course's follow-up page."))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Send what is due on or before this day (default: today at each course's venue).")
def send_command(today) -> None:
    day: date | None = today.date() if today else None
    done = send_due(day)
    for course, number, emails in done.sent:
        click.echo(f"{course.slug}: follow-up {number} sent, {emails} email(s)")
    for course, found in done.left:
        click.echo(f"{course.slug}: follow-up {found.number} (due {found.due_on.isoformat()}) not "
                   f"sent, left to the trainers: older than {RECENT_DAYS} days or followed by a "
                   "later round")
    click.echo(f"{len(done.sent)} follow-up round(s) sent, {len(done.left)} left to the trainers.")
