"""User lookup: coming next. Another issue builds this page; until then it says what it will show."""

import streamlit as st

st.title("User lookup")
st.info(
    "Coming next: look up users by external id, email, phone or Braze id and see their profile, devices, custom events and purchases, with sensitive fields masked.",
    icon=":material/construction:",
)
