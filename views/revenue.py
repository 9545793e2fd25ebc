"""Revenue: coming next. Another issue builds this page; until then it says what it will show."""

import streamlit as st

st.title("Revenue")
st.info(
    "Coming next: daily revenue and purchase quantity for all products or one product, filtered by app, with totals compared with the previous period and a CSV download.",
    icon=":material/construction:",
)
