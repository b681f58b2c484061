"""``python -m bench.smtp_lento PORT [DELAY]``: an SMTP server (aiosmtpd) that answers each
command of a message (MAIL, RCPT, the end of DATA) ``DELAY`` seconds late (default 0.1), as
a server far away does; it accepts and discards every message. Run as its own process, so
its event loop does not share the bench's interpreter."""

from __future__ import annotations

import asyncio
import sys
import threading

from aiosmtpd.controller import Controller


class Lento:
    def __init__(self, delay: float):
        self.delay = delay

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
        return "250 Message accepted for delivery"


def main() -> None:
    port = int(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1
    controller = Controller(Lento(delay), hostname="127.0.0.1", port=port,
                            data_size_limit=0)
    controller.start()
    print("ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
