"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1)."""
import asyncio
import email
import email.policy
import socket


class Inbox:
    """An aiosmtpd handler keeping every message it receives, parsed (after ``delay`` seconds);
    it refuses recipients whose address starts with ``refuse`` (if given), naming them."""

    def __init__(self, delay: float = 0, refuse: str | None = None):
        self.messages = []
        self.delay = delay
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refuse and address.startswith(self.refuse):
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
