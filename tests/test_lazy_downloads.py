"""Downloads are built when clicked, not on every page run (Streamlit's callable ``data``)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import pandas as pd
    import streamlit as st

    from dashboard.widgets import csv_download

    class Cell:
        """A cell that counts how often it is written out (CSV building stringifies it)."""

        written = 0

        def __str__(self) -> str:
            Cell.written += 1
            return "cell"

        __repr__ = __str__

    frame = pd.DataFrame({"name": [Cell(), Cell(), Cell()], "sent": [1, 2, 3]})
    csv_download(frame, "lazy.csv", "Download lazy table")
    frame["name"] = "changed after the button"  # must not reach the file (a snapshot is kept)
    st.session_state["cells_written"] = Cell.written


def test_a_page_run_builds_no_csv() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download lazy table"]
    assert at.session_state["cells_written"] == 0
    at.run()  # a rerun builds none either
    assert at.session_state["cells_written"] == 0
