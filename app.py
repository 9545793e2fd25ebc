"""Entry point: page config, navigation over pages/, and the sidebar every page shares.

Which pages exist, and the rule that keeps deep links going through this file (no file stem in
``pages/`` equals a url_path), live in ``dashboard/navigation.py``.
"""

import streamlit as st

from dashboard import sidebar
from dashboard.navigation import DEFAULT_URL_PATH, HOME_URL_PATH, PAGES, inside_app

st.set_page_config(
    page_title="Braze Dashboard",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

_pages = {
    spec.url_path: st.Page(spec.file, title=spec.title, icon=spec.icon, url_path=spec.url_path)
    for spec in PAGES
}


def _home() -> None:
    """The root URL opens the default page at its stable address (keeping any filters)."""
    st.switch_page(_pages[DEFAULT_URL_PATH], query_params=st.query_params.to_dict())


navigation: dict[str, list[st.Page]] = {}
for spec in PAGES:
    navigation.setdefault(spec.section, []).append(_pages[spec.url_path])
# A page's URL is "/" while it is the default, so the default is a hidden redirect.
navigation[""] = [
    st.Page(_home, title="Home", url_path=HOME_URL_PATH, default=True, visibility="hidden")
]

page = st.navigation(navigation)
workspace, _filters = sidebar.render()
rate_limit_slot = st.sidebar.empty()
with inside_app():
    page.run()
sidebar.render_rate_limit(rate_limit_slot, workspace)
