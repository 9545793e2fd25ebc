"""Custom attributes: every attribute in the workspace with its type, status, description, tags.

Reads top to bottom: one load (/custom_attributes, every page) -> search and filters -> counts
-> the table and its CSV.
"""

import streamlit as st

from dashboard import sidebar
from dashboard.data.definitions import (
    choices,
    definitions_export,
    filter_definitions,
    load_custom_attributes,
    tag_choices,
)
from dashboard.display import show_table
from dashboard.navigation import require_app
from dashboard.widgets import (
    csv_download,
    empty_state,
    format_number,
    guarded,
    md_escape,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

TABLE = ["name", "data_type", "status", "tag_names_text", "array_length", "description"]

ws = sidebar.current_workspace()

st.title("Custom attributes")
st.caption(
    "Every custom attribute Braze has recorded for this workspace: its data type, status, "
    "description and tags (not tied to the date range)."
)

try:
    with st.spinner("Loading custom attributes from Braze…"):
        attributes = load_custom_attributes(ws)
except Exception as err:  # nothing else on this page works without the list
    show_error(err, "the custom attribute list")
    st.stop()

if attributes.empty:
    empty_state("Braze has recorded no custom attributes for this workspace yet.")
    st.stop()

# ---- search and filters ---------------------------------------------------------------------
search_col, type_col, status_col, tag_col = st.columns([3, 2, 2, 2])
search = search_col.text_input(
    "Search", key="ca_search", placeholder="Name, description, type, status or tag"
)
data_types = type_col.multiselect("Data type", choices(attributes, "data_type"), key="ca_types")
statuses = status_col.multiselect("Status", choices(attributes, "status"), key="ca_status")
tags = tag_col.multiselect("Tags", tag_choices(attributes), key="ca_tags")
shown = filter_definitions(attributes, search, data_types=data_types, statuses=statuses, tags=tags)

counts = attributes["status"].fillna("(no status)").value_counts()
st.caption(
    f"{format_number(len(shown))} of {format_number(len(attributes))} attributes shown · "
    + " · ".join(f"{format_number(int(n))} {md_escape(str(s).lower())}" for s, n in counts.items())
)

# ---- the table --------------------------------------------------------------------------------
if shown.empty:
    empty_state("No custom attribute matches this search. Clear it or pick other filters.")
    st.stop()
with guarded("the custom attribute table"):
    show_table(
        shown[[c for c in TABLE if c in shown]].fillna({"tag_names_text": "", "description": ""}),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(shown), 560),
        column_config={
            "name": st.column_config.TextColumn("Attribute"),
            "data_type": st.column_config.TextColumn("Data type"),
            "array_length": st.column_config.NumberColumn(
                "Max array length", help="Only for array attributes.", format="localized"
            ),
            "status": st.column_config.TextColumn("Status"),
            "description": st.column_config.TextColumn("Description"),
            "tag_names_text": st.column_config.TextColumn("Tags"),
        },
    )
    csv_download(
        definitions_export(shown), "braze-custom-attributes.csv", "Download attributes (CSV)"
    )
