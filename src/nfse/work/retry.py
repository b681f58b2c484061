"""How long to wait before trying again, for notes and for e-mails alike."""

from __future__ import annotations

import random


def backoff(attempts: int, base: float, cap: float) -> float:
    """Exponential, capped, with jitter so the retries of one failure spread out."""
    return min(cap, base * 2 ** max(attempts - 1, 0)) * (0.5 + random.random())
