"""Entry point: page config, navigation over pages/, and the sidebar every page shares."""

import streamlit as st

from dashboard import sidebar

st.set_page_config(
    page_title="Braze Dashboard",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = {
    "Overview": [
        st.Page(
            "pages/kpis.py",
            title="KPIs",
            icon=":material/monitoring:",
            url_path="kpis",
            default=True,
        ),
    ],
    "Messaging": [
        st.Page(
            "pages/campaigns.py",
            title="Campaigns",
            icon=":material/campaign:",
            url_path="campaigns",
        ),
        st.Page(
            "pages/canvases.py",
            title="Canvases",
            icon=":material/account_tree:",
            url_path="canvases",
        ),
        st.Page(
            "pages/news_feed.py",
            title="News Feed (legacy)",
            icon=":material/feed:",
            url_path="news-feed",
        ),
    ],
    "Analytics": [
        st.Page(
            "pages/revenue.py", title="Revenue", icon=":material/payments:", url_path="revenue"
        ),
        st.Page(
            "pages/events.py", title="Custom events", icon=":material/bolt:", url_path="events"
        ),
        st.Page(
            "pages/segments.py", title="Segments", icon=":material/group_work:", url_path="segments"
        ),
    ],
    "People": [
        st.Page(
            "pages/user_lookup.py",
            title="User lookup",
            icon=":material/person_search:",
            url_path="user-lookup",
        ),
    ],
}

page = st.navigation(PAGES)
workspace, _filters = sidebar.render()
rate_limit_slot = st.sidebar.empty()
page.run()
sidebar.render_rate_limit(rate_limit_slot, workspace)
