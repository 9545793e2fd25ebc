"""Canvases: coming next. Another issue builds this page; until then it says what it will show."""

import streamlit as st

st.title("Canvases")
st.info(
    "Coming next: Canvas entries, conversions and revenue over the selected range, with variant and step breakdowns and a CSV of the stats.",
    icon=":material/construction:",
)
