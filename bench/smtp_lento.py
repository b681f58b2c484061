"""``python -m bench.smtp_lento PORT [DELAY [STATUS]]``: an SMTP server (aiosmtpd) that
answers each command of a message (MAIL, RCPT, the end of DATA) ``DELAY`` seconds late
(default 0.1), as a server far away does; it accepts and discards every message, and keeps
in the file ``STATUS`` (JSON) how many sessions it has had and messages it has taken. Run as
its own process, so its event loop does not share the bench's interpreter."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Lento:
    def __init__(self, delay: float, status: Path | None = None):
        self.delay = delay
        self.status = status
        self.sessions = 0
        self.messages = 0

    def _write(self) -> None:
        if self.status is not None:
            self.status.write_text(json.dumps({"sessions": self.sessions,
                                               "messages": self.messages}))

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001, ANN201, N802
        self.sessions += 1
        self._write()
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
        await asyncio.sleep(self.delay)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        await asyncio.sleep(self.delay)
        self.messages += 1
        self._write()
        return "250 Message accepted for delivery"


def main() -> None:
    port = int(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1
    status = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    controller = Controller(Lento(delay, status), hostname="127.0.0.1", port=port,
                            data_size_limit=0)
    controller.start()
    print("ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
