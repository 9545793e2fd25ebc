"""Tag choices for the list pages (campaigns, Canvases, segments), which all list ``tags``."""

from __future__ import annotations

import pandas as pd


def tag_options(items: pd.DataFrame) -> list[str]:
    """Every distinct tag in the frame's ``tags`` lists, sorted case-insensitively.

    Rows without tags (None, NaN, an empty list) are skipped, and blank tags are dropped.
    """
    seen: set[str] = set()
    for row in items.get("tags", pd.Series(dtype=object)):
        if isinstance(row, list | tuple):
            seen.update(str(t) for t in row if t is not None and str(t).strip())
    return sorted(seen, key=lambda t: (t.casefold(), t))
