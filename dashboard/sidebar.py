"""The sidebar every page shares: workspace, date range, app, timezone, refresh, rate limit.

``render()`` runs once per script run in app.py, before the page. It stores the resulting
``Filters`` and ``Workspace`` in session state, where pages read them through
``current_filters()`` / ``current_workspace()`` without drawing widgets of their own.
The filters are mirrored in the URL (``range``, ``start``, ``end``, ``app``, ``tz``) so a link
reproduces the view; anything unreadable in a link falls back to the defaults silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from braze_api.budget import DEFAULT_LIMIT
from braze_api.client import RateLimit
from dashboard import display, settings, traffic
from dashboard.cache import clear_workspace
from dashboard.filters import (
    CUSTOM,
    LAST_MONTH,
    MONTH_TO_DATE,
    PRESETS,
    Filters,
    comparison_for,
    comparison_text,
    default_filters,
    earliest_day,
    month_to_date_is_empty,
    preset_range,
    utc_today,
)
from dashboard.settings import Workspace
from dashboard.shared_store import connection as shared_store
from dashboard.url_state import sync_query_params
from dashboard.widgets import md_escape

FILTERS_KEY = "filters"
WORKSPACE_KEY = "workspace"
ALL_APPS = "All apps"
RANGE_PARAMS: Mapping[str, str] = {
    "Last 7 days": "last_7",
    "Last 30 days": "last_30",
    "Last 90 days": "last_90",
    MONTH_TO_DATE: "month_to_date",
    LAST_MONTH: "last_month",
    CUSTOM: "custom",
}
#: older links' names for a range, still read
_RANGE_ALIASES: Mapping[str, str] = {"this_month": MONTH_TO_DATE}
TIMEZONES: tuple[str, ...] = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
)
_INIT = "_sidebar_initialised"
_K_PRESET, _K_CUSTOM, _K_APP, _K_TZ = "sb_preset", "sb_custom", "sb_app", "sb_tz"
_K_INSTANCE, _K_KEY, _K_APPS = "conn_instance", "conn_key", "conn_apps"
_K_CONNECT_ERROR = "conn_error"
_URL_KEYS = ("range", "start", "end", "app", "tz")


# ---- reading a link --------------------------------------------------------------------


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _valid_zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _custom_dates(params: Mapping[str, str], today: date) -> tuple[date, date] | None:
    """A link's custom range, if it is readable and inside what the date picker allows."""
    first, last = _parse_date(params.get("start")), _parse_date(params.get("end"))
    if first and last and earliest_day(today) <= first <= last <= today:
        return first, last
    return None


def filters_from_params(params: Mapping[str, str], today: date | None = None) -> Filters:
    """The view a link describes; anything missing or unreadable takes its default."""
    today = today or utc_today()
    preset = preset_of(params, today)  # Custom only when _custom_dates accepts the link's
    custom = _custom_dates(params, today) if preset == CUSTOM else None
    start, end = custom or preset_range(preset, today)
    return Filters(
        start=start,
        end=end,
        app_id=(params.get("app") or None),
        timezone=_valid_zone(params.get("tz")) or "UTC",
        comparison=comparison_for(preset),
    )


def preset_of(params: Mapping[str, str], today: date | None = None) -> str:
    """Which preset a link selects (Custom only when its dates are usable)."""
    names = {**{v: k for k, v in RANGE_PARAMS.items()}, **_RANGE_ALIASES}
    name = names.get(params.get("range", ""), "Last 30 days")
    if name == CUSTOM and _custom_dates(params, today or utc_today()) is None:
        return "Last 30 days"
    return name


def params_for(preset: str, filters: Filters) -> dict[str, str]:
    """The URL query for a view (the inverse of ``filters_from_params``)."""
    params = {"range": RANGE_PARAMS[preset]}
    if preset == CUSTOM:
        params["start"] = filters.start.isoformat()
        params["end"] = filters.end.isoformat()
    if filters.app_id:
        params["app"] = filters.app_id
    if filters.timezone != "UTC":
        params["tz"] = filters.timezone
    return params


def _seed_from_url() -> None:
    """First run of a session: put the link's view into the widgets' state."""
    params = {k: v for k in _URL_KEYS if (v := st.query_params.get(k))}
    filters = filters_from_params(params)
    st.session_state[_K_PRESET] = preset_of(params)
    st.session_state[_K_CUSTOM] = (filters.start, filters.end)
    st.session_state[_K_APP] = filters.app_id or ALL_APPS
    st.session_state[_K_TZ] = filters.timezone
    st.session_state[_INIT] = True


def _mirror_to_url(preset: str, filters: Filters) -> None:
    wanted = params_for(preset, filters)
    sync_query_params({key: wanted.get(key) for key in _URL_KEYS})


# ---- workspace -------------------------------------------------------------------------


def _connect() -> None:
    """Form callback: build the session's workspace; the key field is emptied either way."""
    state = st.session_state
    try:
        ws = settings.workspace_from_input(
            state.get(_K_INSTANCE, ""), state.get(_K_KEY, ""), state.get(_K_APPS)
        )
    except ValueError as err:
        state[_K_CONNECT_ERROR] = str(err)
    else:
        state[settings.OVERRIDE_KEY] = ws
        state[_K_APP] = ALL_APPS
        state.pop(_K_CONNECT_ERROR, None)
    state[_K_KEY] = ""


def short_host(base_url: str) -> str:
    """``https://rest.iad-03.braze.com`` -> ``iad-03``: what fits the sidebar's picker."""
    host = urlsplit(base_url).hostname or "?"
    host = host.removeprefix("rest.")
    return host.removesuffix(".braze.com")


def _disconnect() -> None:
    ws = st.session_state.pop(settings.OVERRIDE_KEY, None)
    if isinstance(ws, Workspace):
        settings.forget_client(ws)
    st.session_state[_K_APP] = ALL_APPS


def _workspace_section(ws: Workspace) -> None:
    if ws.is_demo:
        problem = settings.current_configuration_problem()
        if problem:
            st.error(md_escape(problem), icon=":material/error:")
        st.badge("Demo workspace", icon=":material/science:", color="violet")
        st.caption(
            "Synthetic data from the built-in Braze sandbox, so you can explore without an "
            "account. Connect a workspace below to see your own."
        )
    else:
        st.badge(md_escape(ws.label or ws.host), icon=":material/hub:", color="green")
        st.caption(f"Instance host: {md_escape(ws.host)}")
    currency_problem = display.configured_currency_problem()
    if currency_problem:
        st.warning(md_escape(currency_problem), icon=":material/currency_exchange:")
    with st.expander("Connect a workspace", icon=":material/key:"):
        choices = settings.current_endpoint_choices()
        with st.form("connect_workspace", border=False):
            st.selectbox(
                "Braze instance",
                list(choices),
                key=_K_INSTANCE,
                format_func=lambda name: f"{name} · {short_host(choices.get(name, ''))}",
                help="The instance your Braze dashboard runs on (Settings → APIs and Identifiers "
                "shows its REST endpoint).",
            )
            st.text_input(
                "REST API key",
                key=_K_KEY,
                type="password",
                help="Kept only in this browser session; sent to Braze in the Authorization header.",
            )
            st.text_input(
                "Apps (optional)",
                key=_K_APPS,
                placeholder="iOS=app-id-1, Android=app-id-2",
                help="Name=App API identifier pairs, for the app filter.",
            )
            st.form_submit_button("Connect", icon=":material/link:", on_click=_connect)
        st.caption(
            "Custom endpoints (a new region, a local sandbox) are configured by the server "
            "admin (`BRAZE_EXTRA_ENDPOINTS`, see the README) and then appear in this list."
        )
        if st.session_state.get(_K_CONNECT_ERROR):
            st.error(md_escape(st.session_state[_K_CONNECT_ERROR]))
        if settings.OVERRIDE_KEY in st.session_state:
            st.button("Disconnect", icon=":material/link_off:", on_click=_disconnect)


# ---- filters ---------------------------------------------------------------------------


def _date_range(today: date) -> tuple[str, date, date]:
    preset, start, end = _picked_range(today)
    st.caption(range_caption(preset, Filters(start, end, comparison=comparison_for(preset)), today))
    return preset, start, end


def _picked_range(today: date) -> tuple[str, date, date]:
    preset = st.selectbox(
        "Date range",
        PRESETS,
        key=_K_PRESET,
        help="Complete UTC days only: today is still filling in. Changes compare with as many "
        "days just before, or for Month to date and Last month with the previous month's "
        "matching days.",
    )
    if preset != CUSTOM:
        start, end = preset_range(preset, today)
        return preset, start, end
    picked = st.date_input(
        "From – to",
        key=_K_CUSTOM,
        max_value=today,
        min_value=earliest_day(today),
        format="YYYY-MM-DD",
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return preset, picked[0], picked[1]
    if isinstance(picked, tuple) and len(picked) == 1:  # second click still to come
        return preset, picked[0], picked[0]
    fallback = default_filters(today)
    return preset, fallback.start, fallback.end


def range_caption(preset: str, filters: Filters, today: date) -> str:
    """Under the date picker: the days shown and what they are compared with."""
    text = comparison_text(filters, today) + "."
    if preset == MONTH_TO_DATE and month_to_date_is_empty(today):
        text = f"No complete day of {today:%B} yet, so this shows {filters.start:%B}: " + text
    return text


def app_label(ws: Workspace, app_id: str | None) -> str:
    """The app filter as pages name it: the app's name, a linked id as it is, or All apps."""
    if not app_id:
        return ALL_APPS
    return {a.app_id: a.name for a in ws.apps}.get(app_id, app_id)


def _app_filter(ws: Workspace) -> str | None:
    names = {a.app_id: a.name for a in ws.apps}
    options = [ALL_APPS, *names]
    current = st.session_state.get(_K_APP, ALL_APPS)
    if current not in options:
        if ws.apps or current == ALL_APPS:
            st.session_state[_K_APP] = ALL_APPS
        else:
            options.append(current)  # a linked app id this workspace does not list
    choice = st.selectbox(
        "App",
        options,
        key=_K_APP,
        format_func=lambda v: names.get(v, v),
        help="Limits KPI, session, event and revenue series to one app.",
    )
    return None if choice == ALL_APPS else choice


def _timezone() -> str:
    current = st.session_state.get(_K_TZ, "UTC")
    options = list(TIMEZONES) if current in TIMEZONES else [*TIMEZONES, current]
    return st.selectbox(
        "Timezone", options, key=_K_TZ, help="Used for hourly charts; daily series are UTC days."
    )


def render() -> tuple[Workspace, Filters]:
    """Draw the sidebar; store and return this run's workspace and filters."""
    if not st.session_state.get(_INIT):
        _seed_from_url()
    ws = settings.current_workspace()
    today = utc_today()
    with st.sidebar:
        _workspace_section(ws)
        st.divider()
        preset, start, end = _date_range(today)
        filters = Filters(
            start=start,
            end=end,
            app_id=_app_filter(ws),
            timezone=_timezone(),
            comparison=comparison_for(preset),
        )
        if st.button("Refresh data", icon=":material/refresh:", width="stretch"):
            dropped = clear_workspace(ws.fingerprint)
            st.toast(f"Cleared {dropped} cached responses; loading fresh data.")
    st.session_state[WORKSPACE_KEY] = ws
    st.session_state[FILTERS_KEY] = filters
    _mirror_to_url(preset, filters)
    return ws, filters


SHARED_STORE_DOWN = (
    "Shared cache (Redis) unreachable: this server is using its own cache and request budget "
    "until it is back."
)


def rate_limit_text(limit: RateLimit) -> str | None:
    """The sidebar's rate-limit line for Braze's workspace-wide bucket: which limit it is, per
    what, and how much is left (None when Braze did not say how much is left)."""
    if limit.remaining is None:
        return None
    unit = {60.0: "minute", 3600.0: "hour", 86400.0: "day"}.get(DEFAULT_LIMIT.per_seconds)
    window = f"this {unit}" if unit else "in this window"
    of = f" of {limit.limit:,}" if limit.limit is not None else ""
    text = (
        f"Braze requests left {window}: {limit.remaining:,}{of} "
        "(the workspace-wide limit most endpoints share"
    )
    if limit.reset is not None:
        text += f"; resets {limit.reset:%H:%M} UTC"
    return text + ")."


def render_rate_limit(slot: st.delta_generator.DeltaGenerator, ws: Workspace) -> None:
    """After the page ran: what is left of Braze's workspace-wide request limit (the same
    limit on every page, whichever endpoints the page called), if a response reported it, and
    a notice when the replicas' shared cache (Redis) is configured but unreachable."""
    lines = [SHARED_STORE_DOWN] if shared_store.check() == "down" else []
    try:
        limit = traffic.last_rate_limit(
            ws.fingerprint, settings.client_for(ws).rate_limit_of(DEFAULT_LIMIT.name)
        )
    except ValueError:  # an unusable workspace already says so where it is used
        limit = None
    text = rate_limit_text(limit) if limit is not None else None
    if text:
        lines.append(text)
    if lines:
        slot.caption(
            "  \n".join(lines),
            help="Braze limits API requests per workspace: most endpoints share one hourly "
            "limit; campaign stats (/campaigns/data_series), user exports by id and the event "
            "and product lists have limits of their own, which this line leaves out.",
        )


def current_filters() -> Filters:
    """This run's filters, as the sidebar left them (defaults before the sidebar ran)."""
    filters = st.session_state.get(FILTERS_KEY)
    return filters if isinstance(filters, Filters) else default_filters()


def current_workspace() -> Workspace:
    """This run's workspace, as the sidebar resolved it."""
    ws = st.session_state.get(WORKSPACE_KEY)
    return ws if isinstance(ws, Workspace) else settings.current_workspace()
