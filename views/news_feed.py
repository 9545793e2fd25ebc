"""News Feed (legacy): coming next. Another issue builds this page; until then it says what it will show."""

import streamlit as st

st.title("News Feed (legacy)")
st.info(
    "Coming next: News Feed cards with impressions and clicks over the selected range. Braze has deprecated News Feed in favour of Content Cards; this page is for workspaces that still have cards.",
    icon=":material/construction:",
)
