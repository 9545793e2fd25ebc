"""Reading a response body within bounds: a size cap after decompression, and a depth cap.

The client reads the raw (still compressed) bytes itself and inflates them here, a bounded
piece at a time, so a small gzip body that would expand to gigabytes is stopped as soon as
the decompressed size passes the cap: memory stays near the cap, never near the bomb.

Before JSON is decoded, its nesting depth is measured without recursion (vectorised over the
bytes): Braze bodies are a handful of levels deep, and anything past ``MAX_JSON_DEPTH`` is
refused, so neither the decoder nor code that later walks the value recursively (frames,
``json.dumps``, the cache's sizing) can hit Python's recursion limit.

Bodies are decoded by ``msgspec`` (about 0.7× the time of ``json.loads``, same values). What
``msgspec`` refuses but ``json.loads`` reads (``NaN``/``Infinity`` literals, a lone surrogate
escape, a number past float range, a UTF-8 byte order mark) is read by ``json.loads``, so the
accepted bodies and their values are exactly ``json.loads``'s.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from typing import Any

import msgspec
import numpy as np

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "MAX_JSON_DEPTH",
    "BodyTooDeep",
    "BodyTooLarge",
    "UndecodableBody",
    "decode_json",
    "json_depth",
    "read_capped",
]

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # 32 MiB, decompressed
MAX_JSON_DEPTH = 64
_INFLATE_STEP = 256 * 1024  # at most this many decompressed bytes per inflate call


class BodyTooLarge(Exception):
    """The decompressed body passed the cap (``limit`` bytes)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit:,} bytes")
        self.limit = limit


class BodyTooDeep(Exception):
    """The JSON nests deeper than ``MAX_JSON_DEPTH``."""


class UndecodableBody(Exception):
    """The body is not valid for its Content-Encoding (or names one we did not offer)."""


class _Inflater:
    """gzip (several members allowed) or deflate (zlib-wrapped or raw), bounded per call."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._raw_deflate_tried = False
        self._new()

    def _new(self) -> None:
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)
        self._fed = False

    def feed(self, data: bytes) -> Iterable[bytes]:
        while data:
            try:
                out = self._z.decompress(data, _INFLATE_STEP)
            except zlib.error:
                if not self._gzip and not self._fed and not self._raw_deflate_tried:
                    # "deflate" is sometimes sent without the zlib wrapper
                    self._raw_deflate_tried = True
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise UndecodableBody("not valid compressed data") from None
            self._fed = True
            if out:
                yield out
            if self._z.eof:
                rest = self._z.unused_data
                if not self._gzip:
                    if rest.strip(b"\0"):
                        raise UndecodableBody("data after the end of the deflate stream")
                    return
                self._new()  # another gzip member follows (or trailing padding)
                data = rest.lstrip(b"\0")
                continue
            data = self._z.unconsumed_tail

    def finish(self) -> None:
        if self._fed and not self._z.eof:
            raise UndecodableBody("the compressed body ends early")


def read_capped(chunks: Iterable[bytes], content_encoding: str | None, limit: int) -> bytes:
    """Join the raw ``chunks`` decompressed, raising ``BodyTooLarge`` once past ``limit``.

    ``content_encoding`` is the response's header: none/identity, gzip or deflate (the ones
    the client offers); anything else raises ``UndecodableBody``.
    """
    encoding = (content_encoding or "identity").strip().lower()
    inflater = None if encoding in ("", "identity") else _inflater(encoding)
    body = bytearray()
    for chunk in chunks:
        pieces = inflater.feed(chunk) if inflater is not None else (chunk,)
        for piece in pieces:
            if len(body) + len(piece) > limit:
                raise BodyTooLarge(limit)
            body += piece
    if inflater is not None:
        inflater.finish()
    return bytes(body)


def _inflater(encoding: str) -> _Inflater:
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise UndecodableBody(f"an encoding the client did not ask for ({encoding[:40]!r})")
    return _Inflater(encoding)


def decode_json(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads``'s value (decoded faster), raising ``BodyTooDeep`` (never ``RecursionError``)
    on deep nesting.

    Raises ``ValueError`` for text that is not JSON (or not UTF-8).
    """
    if json_depth(raw) > max_depth:
        raise BodyTooDeep(f"nested deeper than {max_depth} levels")
    try:
        return _DECODER.decode(raw)
    except RecursionError:
        raise BodyTooDeep(f"nested deeper than {max_depth} levels") from None
    except ValueError:  # msgspec.DecodeError, UnicodeDecodeError
        pass  # msgspec refused it; json.loads decides (see the module docstring)
    try:
        return json.loads(raw)
    except RecursionError:  # belt and braces: json_depth already refused such bodies
        raise BodyTooDeep(f"nested deeper than {max_depth} levels") from None


def json_depth(raw: bytes) -> int:
    """How deep the JSON text nests (brackets inside strings do not count), without recursion.

    Quotes escaped by an odd run of backslashes are blanked first (found by walking the
    backslashes, which are few in real text; past ``_WALK_BACKSLASHES`` of them two
    ``replace`` passes drop escaped backslashes and quotes instead), then everything but
    quotes and brackets is dropped; what is left is short, and numpy finds the deepest point
    outside strings. About a twentieth of ``json.loads``'s time. For text that is not valid
    JSON the number is only an estimate (``json.loads`` refuses it).
    """
    text: bytes | bytearray = raw
    if b"\\" in raw:
        escaped = _escaped_quotes(raw)
        if escaped is None:
            text = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
        elif escaped:
            text = bytearray(raw)
            for at in escaped:
                text[at] = 32  # a space: not a mark
    marks = np.frombuffer(text.translate(None, _NOT_MARKS), dtype=np.uint8)
    if marks.size == 0:
        return 0
    steps = _STEPS[marks]  # +1 opens, -1 closes, 0 quotes
    inside = np.bitwise_xor.accumulate((marks == _QUOTE).view(np.uint8))  # 1 within a string
    steps *= (inside ^ 1).view(np.int8)
    return int(np.cumsum(steps, dtype=np.int32).max())


_DECODER = msgspec.json.Decoder()  # untyped: dicts, lists, str, int, float, bool, None
_WALK_BACKSLASHES = 20_000  # per text; more and the replace passes are cheaper than a walk


def _escaped_quotes(raw: bytes) -> list[int] | None:
    """Where quotes follow an odd run of backslashes (``\\"`` inside a string); None when there
    are too many backslashes to walk them one by one."""
    if raw.count(b"\\") > _WALK_BACKSLASHES:
        return None
    found = []
    end = len(raw)
    at = raw.find(b"\\")
    while at >= 0:
        after = at + 1
        while after < end and raw[after] == _BACKSLASH:
            after += 1
        if (after - at) & 1 and after < end and raw[after] == _QUOTE:
            found.append(after)
        at = raw.find(b"\\", after + 1)
    return found


_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_NOT_MARKS = bytes(b for b in range(256) if b not in b'"[]{}')
_STEPS = np.zeros(256, dtype=np.int8)
_STEPS[[ord("["), ord("{")]] = 1
_STEPS[[ord("]"), ord("}")]] = -1
