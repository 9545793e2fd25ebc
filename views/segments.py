"""Segments: coming next. Another issue builds this page; until then it says what it will show."""

import streamlit as st

st.title("Segments")
st.info(
    "Coming next: the workspace's segments with their estimated size over time, segment details, and a user export you can download.",
    icon=":material/construction:",
)
