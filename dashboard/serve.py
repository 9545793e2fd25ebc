"""``python -m dashboard.serve [streamlit options]``: ``streamlit run app.py``, deep links clean.

Streamlit 1.67 decides once per process whether the app is a legacy multipage app: if a
``pages/`` folder sits beside the entry script, the first script run of the process goes
through the legacy runner, which does not know our stable addresses. A first request to
``/campaigns`` on a fresh server then still lands on the right page (``app.py`` runs and its
``st.navigation`` resolves the address, because no file stem equals a url_path), but the
browser is first shown a "Page not found" dialog. ``st.navigation`` switches legacy mode off
for the rest of the process; this launcher does it before the first request instead.

Plain ``streamlit run app.py`` still works; only the very first deep link after each start
would show that dialog.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def use_navigation_from_the_first_request() -> bool:
    """Tell Streamlit up front that pages come from ``st.navigation``, not the folder."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without this switch: the one-time dialog is all we lose
        return False
    if not hasattr(PagesManager, "uses_pages_directory"):
        return False
    PagesManager.uses_pages_directory = False
    return True


def main(argv: Sequence[str] | None = None) -> None:
    use_navigation_from_the_first_request()
    from streamlit.web.cli import main as streamlit_main

    args = list(sys.argv[1:] if argv is None else argv)
    streamlit_main(args=["run", str(APP), *args], prog_name="streamlit")


if __name__ == "__main__":
    main()
