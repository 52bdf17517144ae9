"""Delivery decisions, pure: what to do after an error code, how long to wait, which phone form
to try, text or template. Codes and their meaning are from PROTOCOL.md ("Sending").

Decide on Meta's ``code``, never on the HTTP status. ``None`` means the request never got an
answer we could read (network error, timeout, a 5xx without a body): retried like a throttle.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

RETRYABLE = frozenset({130429, 131056, 131000, 131016, 1, 2, 4, 80007, 133004})
OUTSIDE_WINDOW = 131047
PHONE_FORM = frozenset({131030, 131026})
TOKEN_EXPIRED = 190
PAIR_RATE = 131056
WINDOW = timedelta(hours=24)
BASE_DELAY = 2.0
MAX_DELAY = 3600.0
_AR_MOBILE = re.compile(r"^549(\d{10})$")
_MX_MOBILE = re.compile(r"^521(\d{10})$")


class Next(StrEnum):
    RETRY = "retry"  # same message, later
    TEMPLATE = "template"  # send the approved template instead, now
    OTHER_FORM = "other_form"  # same message to the other phone form, now
    GIVE_UP = "give_up"


@dataclass(frozen=True)
class Decision:
    next: Next
    delay: float = 0.0


def alternate_form(wa_id: str) -> str | None:
    """``549`` + 10 digits → ``54`` + 10 digits (Argentina); ``521…`` → ``52…`` (Mexico)."""
    m = _AR_MOBILE.match(wa_id)
    if m:
        return "54" + m.group(1)
    m = _MX_MOBILE.match(wa_id)
    if m:
        return "52" + m.group(1)
    return None


def backoff(attempts: int, code: int | None, *, base: float = BASE_DELAY,
            rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter; the per-user pair rate needs at least 6 s."""
    r = rng or random
    ceiling = min(MAX_DELAY, base * (2 ** max(0, attempts - 1)))
    delay = ceiling / 2 + r.random() * ceiling / 2
    if code == PAIR_RATE:
        delay = max(delay, 3.0 * base)  # about one message per 6 s to one user
    if code == TOKEN_EXPIRED:
        delay = max(delay, 150.0 * base)  # nothing works until someone renews the token
    return delay


def decide(
    code: int | None, *, attempts: int, max_attempts: int, is_notice: bool, used_template: bool,
    wa_id: str, tried_other_form: bool, base: float = BASE_DELAY,
) -> Decision:
    """What to do with a message whose latest attempt failed with ``code``.

    ``attempts`` already counts the failed one."""
    if code == OUTSIDE_WINDOW:
        if is_notice and not used_template:
            return Decision(Next.TEMPLATE)
        return Decision(Next.GIVE_UP)
    if code in PHONE_FORM:
        if not tried_other_form and alternate_form(wa_id) is not None:
            return Decision(Next.OTHER_FORM)
        return Decision(Next.GIVE_UP)
    if code is None or code in RETRYABLE or code == TOKEN_EXPIRED:
        if attempts >= max_attempts:
            return Decision(Next.GIVE_UP)
        return Decision(Next.RETRY, backoff(attempts, code, base=base))
    return Decision(Next.GIVE_UP)  # 131008/131009/100, 132xxx, unknown: retrying cannot help


def in_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < WINDOW
