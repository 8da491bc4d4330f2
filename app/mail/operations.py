"""Writing emails in the recipient's language; delivering them, through the job queue, once their
transaction commits."""
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from jinja2 import Environment
from sqlalchemy import event

from .. import jobs
from ..database import insert_many, utcnow
from ..extensions import db
from ..i18n import use_language
from .models import OutboxMessage

TIMEOUT = 10  # seconds for each SMTP step: a dead server must not hold a delivery job for long
PENDING = "lokakarya.outbox_pending"  # session.info key: messages flushed in this transaction
# Bodies go out quoted-printable or base64: no relay can refuse them for 8-bit data.
POLICY = SMTP_POLICY.clone(cte_type="7bit")
outbox = OutboxMessage.__table__


def send_email(recipient: str, language: str, template: str, *, course=None,
               **context) -> OutboxMessage:
    """Write ``templates/mail/<template>.txt`` in ``language`` into the outbox.

    The message goes out through SMTP, from the job queue, once the caller's transaction
    commits (when MAIL_SERVER is set); otherwise it waits in the outbox for the trainers to read.
    """
    message = OutboxMessage(**compose(recipient, language, template, course=course, **context))
    db.session.add(message)
    db.session.flush()
    current_app.logger.info("Email %r (%s) written to the outbox as message %s", template,
                            message.language, message.id)  # ids, never the address
    return message


def compose(recipient: str, language: str, template: str, *, course=None, **context) -> dict:
    """An email as :func:`send_email` writes it, as the outbox's column values, not stored:
    an import writes thousands before its short transaction stores them (:func:`store_composed`)."""
    with use_language(language) as chosen:
        subject, body = render(template, course=course, **context)
    registration = context.get("registration")  # the participant it is about, if any
    return dict(course_id=course.id if course is not None else None,
                registration_id=getattr(registration, "id", None), recipient=recipient,
                subject=subject[:300], body=body, language=chosen.language)


def store_composed(messages: list[dict]) -> None:
    """Store emails made by :func:`compose`, thousands in one statement, to go out once the
    transaction commits as :func:`send_email`'s do. Each must be about a registration written
    in this same transaction: that is how their ids are found again (RETURNING the ids of
    thousands of rows takes seconds on PostgreSQL)."""
    if not messages:
        return
    before = db.session.scalar(sa.select(sa.func.max(outbox.c.id))) or 0
    insert_many(db.session.connection(), outbox, messages)
    ours = {message["registration_id"] for message in messages}
    found = db.session.execute(sa.select(outbox.c.id, outbox.c.registration_id).where(
        outbox.c.id > before, outbox.c.registration_id.between(min(ours), max(ours))))
    db.session.info.setdefault(PENDING, set()).update(
        message_id for message_id, registration_id in found if registration_id in ours)
    current_app.logger.info("%d emails written to the outbox", len(messages))


def render(template: str, **context) -> tuple[str, str]:
    """Render a mail template's ``subject`` and ``body`` blocks in the current language."""
    loaded = text_environment(current_app).get_template(f"mail/{template}.txt")
    subject = "".join(loaded.blocks["subject"](loaded.new_context(context)))
    body = "".join(loaded.blocks["body"](loaded.new_context(context)))
    return " ".join(subject.split()), _tidy(body)


def text_environment(app: Flask) -> Environment:
    """The app's Jinja environment (loader, filters, gettext) without HTML escaping.

    A name like "O'Brien" or "Đ&T" must reach a plain-text email as typed.
    """
    env = app.extensions.get("mail.jinja")
    if env is None:
        env = app.extensions["mail.jinja"] = app.jinja_env.overlay(autoescape=False)
    return env


def _tidy(body: str) -> str:
    """Drop trailing spaces and the blank lines that template tags leave behind."""
    lines = "\n".join(line.rstrip() for line in body.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


def deliver_unsent(course_id: int | None = None) -> int:
    """(Re)try every unsent message, of one course or of all; return how many were sent."""
    where = outbox.c.course_id == course_id if course_id is not None else sa.true()
    return _deliver(where)


def deliver_ids(ids: list[int]) -> int:
    """The job that sends the messages a transaction wrote, once it committed."""
    return _deliver(outbox.c.id.in_(ids))


def queue_unsent(course_id: int | None = None) -> None:
    """Send the unsent messages (of one course or all) again, in the background."""
    jobs.enqueue("app.mail.operations.deliver_unsent", course_id, lane="mail", fallback=True)


def unsent_count(course_id: int | None = None) -> int:
    """How many messages, of one course or of all, have not gone out yet."""
    query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
    if course_id is not None:
        query = query.where(outbox.c.course_id == course_id)
    with db.engine.connect() as connection:  # like delivery: not the session's (older) snapshot
        return connection.scalar(query)


def _deliver(where) -> int:
    """Send the unsent messages matching ``where`` and record each outcome; return how many went.

    Works on its own connections, never on the session: it also runs after a commit.
    Nothing is sent, and 0 returned, when MAIL_SERVER is not set.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    with db.engine.connect() as connection:
        messages = connection.execute(
            sa.select(outbox).where(where, outbox.c.sent_at.is_(None)).order_by(outbox.c.id)).all()
    if not messages:
        return 0
    try:
        smtp = _connect(config)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, never raised
        _failed([message.id for message in messages], _describe(exc, config))
        return 0
    sent = 0
    try:
        for position, message in enumerate(messages):
            try:
                smtp.send_message(_compose(message, config))
            except smtplib.SMTPServerDisconnected as exc:
                _failed([m.id for m in messages[position:]], _describe(exc, config))
                break
            except Exception as exc:  # noqa: BLE001 - e.g. a refused recipient: go on with the rest
                _failed([message.id], _describe(exc, config))
            else:
                with db.engine.begin() as connection:
                    connection.execute(outbox.update().where(outbox.c.id == message.id)
                                       .values(sent_at=utcnow(), error=""))
                sent += 1
    finally:
        _quit(smtp)
    current_app.logger.info("Sent %d of %d email(s) through %s", sent, len(messages),
                            config["MAIL_SERVER"])
    return sent


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=TIMEOUT)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _compose(message, config) -> EmailMessage:
    sender = config["MAIL_DEFAULT_SENDER"]
    email = EmailMessage(policy=POLICY)
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    # The sender's domain, not the host name: make_msgid() would otherwise ask DNS for it.
    email["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content, which clears Content-*
    return email


ADDRESS = re.compile(r"[^\s<>()\[\]{}'\",;:@]+@[^\s<>()\[\]{}'\",;:@]+")


def without_addresses(text: str) -> str:
    """``text`` with every email address in it replaced, for the application log."""
    return ADDRESS.sub("<address>", text)


def _describe(exc: Exception, config) -> str:
    return f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}: {type(exc).__name__}: {exc}"[:500]


def _failed(ids: list[int], error: str) -> None:
    """Keep the error where trainers see it; the messages stay unsent, to be retried. The log
    gets it without addresses (a refused recipient is named in the server's answer)."""
    current_app.logger.warning("Email %s not sent: %s", ", ".join(map(str, ids)), without_addresses(error))
    with db.engine.begin() as connection:
        connection.execute(outbox.update().where(outbox.c.id.in_(ids)).values(error=error))


# Delivery follows the transaction that wrote the messages: nothing goes out for a
# registration that was rolled back, and nothing is sent twice.

@event.listens_for(db.session, "after_flush")
def _collect(session, flush_context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(PENDING, set()).update(ids)


@event.listens_for(db.session, "after_commit")
def _deliver_committed(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the enclosing transaction may still roll back
    # Ids from a rolled-back savepoint match no row (or, on SQLite, a newer message of
    # this same transaction), so every id left here is safe to deliver.
    ids = session.info.pop(PENDING, None)
    if not ids or not has_app_context() or not current_app.config.get("MAIL_SERVER"):
        return
    # Through the job queue: a slow or dead mail server never holds the request. With Redis
    # down the messages go out from this process instead; they stay in the outbox either way.
    try:
        jobs.enqueue("app.mail.operations.deliver_ids", sorted(ids), lane="mail", fallback=True)
    except Exception:  # noqa: BLE001 - the data is committed; the request must not fail now
        current_app.logger.exception("Queueing email %s after commit failed", sorted(ids))


@event.listens_for(db.session, "after_transaction_end")
def _forget(session, transaction) -> None:
    """Forget the messages of a transaction that ended without commit (rollback or close)."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
