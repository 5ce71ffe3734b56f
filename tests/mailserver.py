"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests of mail out."""
import time
from email import message_from_bytes
from email.policy import default


class Inbox:
    """An SMTP server's mailbox; `refuse` answers RCPT TO with that reply instead of accepting."""

    def __init__(self, refuse: str | None = None):
        self.messages = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5) -> list:
        deadline = time.time() + timeout
        while len(self.messages) < count and time.time() < deadline:
            time.sleep(0.02)
        return self.messages
