"""Scrub the API key out of text Braze sends back (error messages), in the forms it may take.

Covered: the key itself; any run of ``MIN_RUN`` or more of its characters (so a shortened echo,
"abcd1234…", or a masked one, "…wxyz7890", is caught), in any letter case; and the same for the
key's base64 forms (standard and URL-safe, with or without padding, at any byte alignment, as
when the key is echoed inside an encoded header). Redaction is deliberately generous: a few
characters too many hidden is harmless, one run of the key shown is not.
"""

from __future__ import annotations

import base64

__all__ = ["MIN_RUN", "REDACTED", "Redactor"]

REDACTED = "[redacted]"
MIN_RUN = 8


def _encoded_forms(key: str) -> list[str]:
    """The key's base64 text at each of the three byte alignments (the key-only part)."""
    raw = key.encode()
    forms = []
    for offset in range(3):
        text = base64.b64encode(b"\0" * offset + raw).decode()
        # Characters that mix in the zero prefix, or the padding at the end, are not the key's.
        start = -(-offset * 4 // 3)  # ceil(offset * 4 / 3)
        end = len(text.rstrip("="))
        tail = (offset + len(raw)) % 3
        if tail:
            end -= 1  # the last character also holds padding bits
        core = text[start:end]
        forms += [core, core.replace("+", "-").replace("/", "_")]
    return [f for f in forms if len(f) >= MIN_RUN]


class Redactor:
    """Knows one key; ``scrub(text)`` replaces every run that gives part of it away."""

    def __init__(self, key: str) -> None:
        sources = [key, *_encoded_forms(key)]
        self._runs = {
            s[i : i + MIN_RUN].lower()
            for s in sources
            if len(s) >= MIN_RUN
            for i in range(len(s) - MIN_RUN + 1)
        }
        self._key_lower = key.lower()

    def __repr__(self) -> str:
        return "Redactor(<hidden>)"

    def scrub(self, text: str) -> str:
        lowered = text.lower()
        if self._key_lower and len(self._key_lower) < MIN_RUN:
            # a key shorter than a run: only the whole key (any case) can be recognised
            return _replace_spans(text, _find_all(lowered, self._key_lower))
        hidden = [False] * len(text)
        for i in range(len(lowered) - MIN_RUN + 1):
            if lowered[i : i + MIN_RUN] in self._runs:
                for j in range(i, i + MIN_RUN):
                    hidden[j] = True
        spans = []
        i = 0
        while i < len(text):
            if hidden[i]:
                j = i
                while j < len(text) and hidden[j]:
                    j += 1
                spans.append((i, j))
                i = j
            else:
                i += 1
        return _replace_spans(text, spans)


def _find_all(text: str, needle: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(needle)
    while needle and start != -1:
        spans.append((start, start + len(needle)))
        start = text.find(needle, start + len(needle))
    return spans


def _replace_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], REDACTED]
        last = end
    out.append(text[last:])
    return "".join(out)
