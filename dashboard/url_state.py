"""Keeping a view's choices in the URL, so a link reproduces what the page shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

#: A query parameter's wanted value: one string, a list (a repeated parameter), or None / empty
#: for "not in the URL".
QueryValue = str | Sequence[str] | None


def sync_query_params(wanted: Mapping[str, QueryValue]) -> None:
    """Make the URL's query carry ``wanted``; other parameters are left as they are.

    A key whose value is None or empty is removed. Only parameters that differ are written,
    so a rerun that changes nothing sends nothing to the browser.
    """
    for key, value in wanted.items():
        if not value:
            if key in st.query_params:
                del st.query_params[key]
            continue
        target = [value] if isinstance(value, str) else list(value)
        if st.query_params.get_all(key) != target:
            st.query_params[key] = value if isinstance(value, str) else target
