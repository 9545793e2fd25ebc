"""Entry point: page config, navigation over views/, and the sidebar every page shares.

The page files live in ``views/``, not ``pages/``: streamlit 1.67 treats a ``pages/`` folder
beside the entrypoint as a legacy (v1) multipage app until st.navigation has run once in the
process, so a deep link on a fresh server would run the page without this file or its sidebar.
"""

import streamlit as st

from dashboard import sidebar

st.set_page_config(
    page_title="Braze Dashboard",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

KPIS = st.Page("views/kpis.py", title="KPIs", icon=":material/monitoring:", url_path="kpis")


def _home() -> None:
    """The root URL opens the KPI page at its stable /kpis address (keeping any filters)."""
    st.switch_page(KPIS, query_params=st.query_params.to_dict())


PAGES = {
    "Overview": [KPIS],
    "Messaging": [
        st.Page(
            "views/campaigns.py",
            title="Campaigns",
            icon=":material/campaign:",
            url_path="campaigns",
        ),
        st.Page(
            "views/canvases.py",
            title="Canvases",
            icon=":material/account_tree:",
            url_path="canvases",
        ),
        st.Page(
            "views/news_feed.py",
            title="News Feed (legacy)",
            icon=":material/feed:",
            url_path="news-feed",
        ),
    ],
    "Analytics": [
        st.Page(
            "views/revenue.py", title="Revenue", icon=":material/payments:", url_path="revenue"
        ),
        st.Page(
            "views/events.py", title="Custom events", icon=":material/bolt:", url_path="events"
        ),
        st.Page(
            "views/segments.py", title="Segments", icon=":material/group_work:", url_path="segments"
        ),
    ],
    "People": [
        st.Page(
            "views/user_lookup.py",
            title="User lookup",
            icon=":material/person_search:",
            url_path="user-lookup",
        ),
    ],
    # A page's URL is "/" while it is the default, so the default is a hidden redirect.
    "": [st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden")],
}

page = st.navigation(PAGES)
workspace, _filters = sidebar.render()
rate_limit_slot = st.sidebar.empty()
page.run()
sidebar.render_rate_limit(rate_limit_slot, workspace)
