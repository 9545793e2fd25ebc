"""Campaigns: coming next. Another issue builds this page; until then it says what it will show."""

import streamlit as st

st.title("Campaigns")
st.info(
    "Coming next: every campaign with its channels, sends, opens, clicks and conversions over the selected range, a per-campaign daily chart and a CSV of the per-channel stats.",
    icon=":material/construction:",
)
