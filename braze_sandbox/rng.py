"""Hash-based randomness, so every generated number is a pure function of its inputs.

Series values must not depend on which window asked for them; seeding a fresh
`random.Random` from (seed, entity, day) gives that for free.
"""

from __future__ import annotations

import hashlib
import random
import uuid


def _digest(seed: int, parts: tuple[object, ...]) -> bytes:
    text = "\x1f".join([str(seed), *(str(p) for p in parts)])
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def rng_for(seed: int, *parts: object) -> random.Random:
    """A fresh RNG determined only by the seed and the parts."""
    return random.Random(int.from_bytes(_digest(seed, parts), "big"))


def unit(seed: int, *parts: object) -> float:
    """A number in [0, 1) determined only by the seed and the parts."""
    return int.from_bytes(_digest(seed, parts)[:8], "big") / 2**64


def stable_uuid(seed: int, *parts: object) -> str:
    """A UUID4-shaped identifier determined by the seed and the parts."""
    return str(uuid.UUID(bytes=_digest(seed, parts), version=4))


def split(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Split an integer total into parts proportional to weights (largest remainder).

    The parts always sum to `total`. With `caps` (whose sum is >= total) no part
    exceeds its cap, which keeps e.g. unique clicks <= clicks hour by hour.
    """
    n = len(weights)
    if total <= 0 or n == 0:
        return [0] * n
    if caps is not None:
        weights = [float(c) for c in caps]
    wsum = sum(weights)
    if wsum <= 0:
        weights, wsum = [1.0] * n, float(n)
    raw = [total * w / wsum for w in weights]
    parts = [int(r) for r in raw]
    if caps is not None:
        parts = [min(p, c) for p, c in zip(parts, caps, strict=True)]
    left = total - sum(parts)
    order = sorted(range(n), key=lambda i: (parts[i] - raw[i], i))
    while left > 0:
        progressed = False
        for i in order:
            if left == 0:
                break
            if caps is None or parts[i] < caps[i]:
                parts[i] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return parts
