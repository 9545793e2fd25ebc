"""Entry point: page config, the sign-in gate, navigation over pages/, the shared sidebar.

Which pages exist, and the rule that keeps deep links going through this file (no file stem in
``pages/`` equals a url_path), live in ``dashboard/navigation.py``. The gate
(``dashboard.auth.admission``) runs before the sidebar and any Braze request: in team mode a
person who is not signed in, or not on the access lists, gets one screen at every address.
"""

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from dashboard import audit, auth, sidebar
from dashboard.navigation import DEFAULT_URL_PATH, HOME_URL_PATH, PAGES, PageSpec, inside_app

# A local file: a ":material/...:" icon would make every browser fetch it from a font CDN.
FAVICON = Path(__file__).resolve().parent / "dashboard" / "assets" / "favicon.png"

st.set_page_config(
    page_title="Braze Dashboard",
    page_icon=FAVICON,
    layout="wide",
    initial_sidebar_state="expanded",
)

admission = auth.admission()
identity = admission.identity
people_data = identity is not None and auth.people_data_blocker(identity) is None


def _withheld(spec: PageSpec) -> bool:
    """A people-data page this session may not use: hidden, its address shows a refusal."""
    return spec.people_data and not people_data


def _target(spec: PageSpec) -> str | Callable[[], None]:
    """The page file, or what runs in its place: the gate's screen, a people-data refusal."""
    if admission.screen is not None:
        return admission.screen
    return auth.refused_page(spec.title) if _withheld(spec) else spec.file


_pages = {
    spec.url_path: st.Page(
        _target(spec),
        title=spec.title,
        icon=spec.icon,
        url_path=spec.url_path,
        visibility="hidden" if _withheld(spec) else "visible",
    )
    for spec in PAGES
}


def _home() -> None:
    """The root URL opens the default page at its stable address (keeping any filters)."""
    st.switch_page(_pages[DEFAULT_URL_PATH], query_params=st.query_params.to_dict())


navigation: dict[str, list[st.Page]] = {}
for spec in PAGES:
    if not _withheld(spec):
        navigation.setdefault(spec.section, []).append(_pages[spec.url_path])
# A page's URL is "/" while it is the default, so the default is a hidden redirect.
navigation[""] = [
    st.Page(
        admission.screen or _home,
        title="Home",
        url_path=HOME_URL_PATH,
        default=True,
        visibility="hidden",
    ),
    *(_pages[spec.url_path] for spec in PAGES if _withheld(spec)),
]

page = st.navigation(navigation, position="sidebar" if identity is not None else "hidden")
if identity is None:  # the sign-in or refusal screen, at every address; nothing else runs
    page.run()
    st.stop()

with auth.acting_as(identity):
    auth.render_account(identity)
    workspace, _filters = sidebar.render()
    rate_limit_slot = st.sidebar.empty()
    notice_slot = st.empty()
    try:
        with inside_app():
            page.run()
    finally:  # also when the page failed; after st.stop() Streamlit draws nothing more
        for notice in audit.take_notices():
            notice_slot.warning(notice, icon=":material/history_edu:")
    sidebar.render_rate_limit(rate_limit_slot, workspace)
