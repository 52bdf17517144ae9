"""Matching a typed sector against the hospital's list, ignoring case and accents.

Never blocks a requester: one clear match is taken, several are offered as a list of at most
:data:`MAX_CANDIDATES`, and no match is accepted as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iticket.core.rules import fold

MAX_CANDIDATES = 10
_STOP = {"de", "del", "la", "el", "los", "las", "y", "en", "piso", "sector", "area", "servicio"}


@dataclass(frozen=True)
class SectorOption:
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class SectorMatch:
    """Exactly one of: ``chosen`` (a list entry), ``candidates`` (ambiguous), or neither
    (unknown: use the text as typed)."""

    chosen: SectorOption | None
    candidates: tuple[SectorOption, ...] = ()


def normalize(text: str) -> str:
    """Lower case, accents stripped, punctuation to spaces, single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def _words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in _STOP]


def match_sector(text: str, sectors: list[SectorOption]) -> SectorMatch:
    wanted = normalize(text)
    if not wanted:
        return SectorMatch(None)
    for s in sectors:
        if wanted in (normalize(s.name), normalize(s.code).replace("_", " ")):
            return SectorMatch(s)
    words = _words(text)
    scored: list[tuple[int, SectorOption]] = []
    for s in sectors:
        name_words = _words(s.name)
        score = 0
        for w in words:
            if any(n == w for n in name_words):
                score += 3
            elif len(w) >= 3 and any(n.startswith(w) or w.startswith(n) for n in name_words):
                score += 2
        if score:
            scored.append((score, s))
    if not scored:
        return SectorMatch(None)
    scored.sort(key=lambda p: (-p[0], p[1].name))
    best = scored[0][0]
    top = [s for score, s in scored if score == best]
    if len(top) == 1 and (len(scored) == 1 or best >= 3 * max(1, len(words))):
        return SectorMatch(top[0])
    return SectorMatch(None, tuple(s for _score, s in scored[:MAX_CANDIDATES]))
