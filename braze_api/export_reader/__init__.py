"""Stream a Braze segment export (a zip of newline-delimited JSON files) into tidy frames.

Exports reach ~5 GB, so nothing here holds the text of a whole file: each member is read in
blocks cut at line ends and parsed by pyarrow's C++ JSON reader (``fast``); the columns stay
Arrow (compact) until one conversion to pandas at the end (``assemble``). A block with a bad
line is halved until the failing piece is small and read line by line (``lines``), so a bad
archive, a truncated line or a file that is not JSON becomes an ``ExportIssue`` naming the file
and line, and every good row is kept.

Nested lists (custom events, purchases, devices, apps, ...) become their own long frames keyed
by ``user_id`` (the external id, else the Braze id, else the first alias) instead of one wide
explosion.
"""

from .archive import Limits
from .model import LONG_TABLES, ExportIssue, ExportResult
from .reader import read_export

__all__ = ["LONG_TABLES", "ExportIssue", "ExportResult", "Limits", "read_export"]
