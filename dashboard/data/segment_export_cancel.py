"""Cancel a segment export at Braze (``POST /export/segment/cancel``), not only our waiting.

Braze cancels every ongoing export of the segment; after that the download URL never becomes
valid. The page calls this when **Cancel** is pressed and also stops polling.
"""

from __future__ import annotations

from dashboard.settings import Workspace, client_for


def cancel_segment_export(ws: Workspace, segment_id: str) -> None:
    """Ask Braze to cancel the segment's ongoing exports; raises BrazeError if it refuses."""
    client_for(ws).segments.cancel_export(segment_id)
