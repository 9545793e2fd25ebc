"""Custom events: coming next. Another issue builds this page; until then it says what it will show."""

import streamlit as st

st.title("Custom events")
st.info(
    "Coming next: pick one or more custom events to chart their daily (or hourly, for short ranges) counts, filtered by app or segment, with a CSV download.",
    icon=":material/construction:",
)
