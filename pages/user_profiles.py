"""User lookup: what did we send this person, and what did they do?

Reads top to bottom: privacy note → identifier inputs → (on "Look up") validation → one call
to ``dashboard.data.users.lookup_users`` → results kept in this browser session only →
batch table and/or one profile. Identifiers never go into the URL, the shared cache, disk or
logs; "Clear" forgets inputs and results.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import auth, sidebar
from dashboard.charts.users import timeline_figure
from dashboard.data.users import (
    LookupResult,
    batch_json,
    batch_table,
    coordinates_frame,
    file_stem,
    invalid_frame,
    lookup_users,
    profile_json,
    profile_summary,
    profile_tables,
    timeline_frame,
    user_label,
)
from dashboard.display import (
    configured_currency,
    is_money_column,
    money_column,
    money_text,
    money_title,
    show_table,
)
from dashboard.lookup_input import (
    EXPORT_FIELDS,
    KIND_LABELS,
    MAX_BATCH_IDS,
    Parsed,
    csv_columns,
    ids_from_csv,
    parse_batch,
    parse_single,
    split_ids,
)
from dashboard.navigation import require_app
from dashboard.widgets import (
    card_columns,
    csv_download,
    empty_state,
    guarded,
    md_escape,
    metric_card,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)
auth.require_people_data("User lookup")  # viewers never get here from the menu; a note if so

ONE, MANY = "One person", "Many external IDs"
PASTE, UPLOAD = "Paste IDs", "Upload a CSV"
K_MODE, K_KIND, K_VALUE, K_LABEL = "ul_mode", "ul_kind", "ul_value", "ul_alias_label"
K_SOURCE, K_IDS, K_COLUMN, K_FIELDS = "ul_source", "ul_ids", "ul_column", "ul_fields"
K_UPLOAD_GEN, K_RESULT, K_PROFILE = "ul_upload_gen", "ul_result", "ul_profile"
K_MAP = "ul_show_map"
PLACEHOLDERS = {
    "external_id": "e.g. user-00042",
    "alias": "alias name, e.g. anon-00005",
    "email": "name@example.com",
    "device_id": "the device id from the SDK",
    "braze_id": "24 hexadecimal characters",
    "phone": "+14155550100",
}


def _upload_key() -> str:
    return f"ul_upload_{st.session_state.get(K_UPLOAD_GEN, 0)}"


def _forget_map() -> None:
    """The map is opt-in per person: a new profile starts with it off again."""
    st.session_state.pop(K_MAP, None)


def _clear() -> None:
    """Forget every identifier typed or uploaded and every profile fetched in this session."""
    state = st.session_state
    for key in (K_VALUE, K_LABEL, K_IDS):
        state[key] = ""
    state[K_FIELDS] = list(EXPORT_FIELDS)
    for key in (K_RESULT, K_PROFILE, K_COLUMN, K_MAP, _upload_key()):
        state.pop(key, None)
    state[K_UPLOAD_GEN] = state.get(K_UPLOAD_GEN, 0) + 1  # a fresh, empty uploader


# ---- inputs -------------------------------------------------------------------------------


def _single_inputs() -> Any:
    """Kind + value widgets; returns a function that validates them when "Look up" is pressed."""
    kind_col, value_col = st.columns([1, 2])
    kind = kind_col.selectbox(
        "Identifier", list(KIND_LABELS), key=K_KIND, format_func=KIND_LABELS.__getitem__
    )
    if kind == "alias":
        left, right = value_col.columns(2)
        left.text_input("Alias name", key=K_VALUE, placeholder=PLACEHOLDERS["alias"])
        right.text_input("Alias label", key=K_LABEL, placeholder="e.g. amplitude_id")
    else:
        value_col.text_input(
            KIND_LABELS[kind],
            key=K_VALUE,
            placeholder=PLACEHOLDERS[kind],
            help="Phone numbers in international form; spaces and dashes are ignored."
            if kind == "phone"
            else None,
        )
    state = st.session_state
    return lambda fields: parse_single(
        kind, state.get(K_VALUE, ""), alias_label=state.get(K_LABEL, ""), fields=fields
    )


def _batch_inputs() -> Any:
    """Pasted or uploaded external ids; returns the validator for "Look up"."""
    source = st.radio("Source", [PASTE, UPLOAD], key=K_SOURCE, horizontal=True)
    if source == PASTE:
        st.text_area(
            "External IDs",
            key=K_IDS,
            height=140,
            placeholder="user-00001\nuser-00002, user-00003",
            help=f"One per line or separated by commas; up to {MAX_BATCH_IDS:,}.",
        )
        return lambda fields: parse_batch(split_ids(st.session_state.get(K_IDS, "")), fields=fields)
    upload = st.file_uploader("CSV file with external IDs", type=["csv", "txt"], key=_upload_key())
    if upload is None:
        return lambda fields: Parsed(errors=("Upload a CSV file first.",))
    data = upload.getvalue()
    try:
        columns = csv_columns(data)
    except ValueError as err:
        message = str(err)
        st.error(md_escape(message))
        return lambda fields: Parsed(errors=(message,))
    if st.session_state.get(K_COLUMN) not in columns:
        st.session_state[K_COLUMN] = columns[0]
    column = st.selectbox("Column holding the external IDs", columns, key=K_COLUMN)

    def parse(fields: list[str]) -> Parsed:
        try:
            return parse_batch(ids_from_csv(data, column), fields=fields)
        except ValueError as err:
            return Parsed(errors=(str(err),))

    return parse


# ---- rendering ----------------------------------------------------------------------------


_NAMES = {
    "multiple_converted": "Conversion events reached",
    "clicked_triggered_in_app_message": "Clicked in-app message",
    "last_entered_control_at": "Entered control group",
    "notifications_enabled": "Notifications on",
}
_UPPER = {"id": "ID", "idfv": "IDFV", "idfa": "IDFA", "os": "OS", "api": "API", "ad": "ad"}


def _label(column: str) -> str:
    """``google_ad_id`` → "Google ad ID", ``idfv`` → "IDFV", ``api_campaign_id`` → "API campaign ID"."""
    if column in _NAMES:
        return _NAMES[column]
    words = [_UPPER.get(w, w) for w in column.split("_")]
    if words and words[0] == words[0].lower():
        words[0] = words[0].capitalize()
    return " ".join(words)


def _column_config(frame: pd.DataFrame) -> dict[str, Any]:
    """Readable headers; times as UTC dates; flags as ticks; counts with separators."""
    config: dict[str, Any] = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        label = _label(column)
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            config[column] = st.column_config.DatetimeColumn(
                f"{label} (UTC)", format="YYYY-MM-DD HH:mm"
            )
        elif pd.api.types.is_bool_dtype(dtype):
            config[column] = st.column_config.CheckboxColumn(label)
        elif pd.api.types.is_numeric_dtype(dtype) and is_money_column(str(column)):
            config[column] = money_column(label, configured_currency())
        elif pd.api.types.is_numeric_dtype(dtype):
            config[column] = st.column_config.NumberColumn(label, format="localized")
        else:
            config[column] = st.column_config.TextColumn(label)
    return config


def _column_order(frame: pd.DataFrame) -> list[str]:
    """The first column, then the ones with values, then long ids, then the empty ones: at 1280 px
    what the person did shows before ids and empty ad-ID columns push it off to the right."""
    first, rest = [str(c) for c in frame.columns[:1]], [str(c) for c in frame.columns[1:]]
    filled = [c for c in rest if frame[c].notna().any()]
    ids = [c for c in filled if c.endswith("_id")]
    return [
        *first,
        *(c for c in filled if c not in ids),
        *ids,
        *(c for c in rest if c not in filled),
    ]


def _table(frame: pd.DataFrame, title: str, filename: str, empty: str) -> None:
    """A titled table with its CSV download, or a one-line note when the profile has none."""
    st.markdown(f"**{title}**")
    if frame.empty:
        st.caption(empty)
        return
    show_table(
        frame,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(frame), 640),  # short tables whole, long ones scroll
        column_order=_column_order(frame),
        column_config=_column_config(frame),
    )
    csv_download(frame, filename, f"Download {title.lower()} (CSV)")


def _location(user: dict[str, Any]) -> None:
    st.markdown("**Last known location**")
    coords = coordinates_frame(user)
    if coords.empty:
        st.caption("No location in this profile (Braze sent no last coordinates).")
        return
    lat, lon = float(coords["lat"].iloc[0]), float(coords["lon"].iloc[0])
    st.markdown(
        f"{abs(lat):.4f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.4f}° {'E' if lon >= 0 else 'W'}"
    )
    st.caption("Braze sends [longitude, latitude].")
    # Off by default: drawing the map fetches tiles around this point from a third party.
    if st.toggle(
        "Show on a map (loads map tiles from a third-party service)",
        key=K_MAP,
        help="The map's tile service learns the approximate area being viewed.",
        wrap=True,  # the whole notice shows in a narrow column
    ):
        st.map(coords, latitude="lat", longitude="lon", zoom=7, height=240, size=800)


def _cards(user: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
    summary = profile_summary(user, tables)
    cols = card_columns(6)  # two rows of three: six across cut "Campaigns r…" at 1280 px
    with cols[0]:
        metric_card("Sessions", summary.sessions, help="Sessions summed over the apps used.")
    with cols[1]:
        metric_card("Custom events", summary.custom_events, help="Occurrences of all events.")
    with cols[2]:
        metric_card("Purchases", summary.purchases, help="Items bought, all products.")
    with cols[3]:
        currency = configured_currency()
        st.metric(
            money_title("Revenue", currency),
            money_text(summary.total_revenue, currency),
            border=True,
            help="Lifetime revenue (total_revenue) as Braze reports it.",
        )
    with cols[4]:
        metric_card("Campaigns received", summary.campaigns)
    with cols[5]:
        metric_card("Canvases entered", summary.canvases)


def _subscriptions(user: dict[str, Any]) -> None:
    """Subscription states as badges on one line: email and push always, any other
    ``<channel>_subscribe`` state Braze sends (SMS, WhatsApp, ...), and the uninstall day."""
    colours = {"opted_in": "green", "subscribed": "blue", "unsubscribed": "red"}
    icons = {"email": "mail", "push": "notifications", "sms": "sms", "whatsapp": "chat"}
    channels = ["email", "push"] + [
        k.removesuffix("_subscribe")
        for k in user
        if isinstance(k, str)
        and k.endswith("_subscribe")
        and k not in ("email_subscribe", "push_subscribe")
    ]
    badges = []
    for channel in channels:
        state = user.get(f"{channel}_subscribe")
        text = state if isinstance(state, str) and state else "not set"
        colour = colours.get(text, "gray")
        icon = icons.get(channel, "check_circle")
        label = "SMS" if channel == "sms" else channel.replace("_", " ").capitalize()
        badges.append(f":{colour}-badge[:material/{icon}: {md_escape(label)}: {md_escape(text)}]")
    gone = user.get("uninstalled_at")
    if isinstance(gone, str) and gone:
        badges.append(f":orange-badge[:material/delete: Uninstalled {md_escape(gone[:10])}]")
    st.markdown(" ".join(badges))


def _profile(user: dict[str, Any]) -> None:
    """Everything Braze exported about one person, section by section."""
    stem = file_stem(user)
    tables = profile_tables(user)
    st.subheader(md_escape(user_label(user)))
    with guarded("the profile summary"):
        _subscriptions(user)
        _cards(user, tables)
    # two columns: three cut the IDs, emails and field names off at 1280 px
    left, right = st.columns(2)
    with left, guarded("the identity table"):
        _table(tables["identity"], "Identity", f"braze-identity-{stem}.csv", "")
        _table(
            tables["user_aliases"],
            "User aliases",
            f"braze-aliases-{stem}.csv",
            "No user aliases.",
        )
    with right, guarded("the attributes table"):
        _table(tables["attributes"], "Attributes", f"braze-attributes-{stem}.csv", "")
        st.caption("— means Braze sent no value (absent fields are null, false or empty).")
    with left, guarded("the location map"):
        _location(user)

    st.markdown("#### Timeline")
    st.caption(
        "Custom events and purchases span first → last occurrence; campaigns sit on their last "
        "receipt; Canvases span last entry → last exit. Braze keeps 90 days of event, purchase "
        "and message history in exports."
    )
    with guarded("the timeline"):
        # one person's data: built for this session, never memoized (shared between sessions)
        show_chart(timeline_figure(timeline_frame(tables)), key=f"tl_{stem}")

    behaviour, messaging, devices, custom, raw = st.tabs(
        [
            "Events & purchases",
            "Campaigns & Canvases",
            "Devices & apps",
            "Custom attributes",
            "Raw JSON",
        ]
    )
    with behaviour, guarded("events and purchases"):
        a, b = st.columns(2)
        with a:
            _table(
                tables["custom_events"],
                "Custom events",
                f"braze-events-{stem}.csv",
                "No custom events recorded.",
            )
        with b:
            _table(tables["purchases"], "Purchases", f"braze-purchases-{stem}.csv", "No purchases.")
    with messaging, guarded("campaigns and Canvases"):
        _table(
            tables["campaigns_received"],
            "Campaigns received",
            f"braze-campaigns-{stem}.csv",
            "No campaigns received.",
        )
        st.caption(
            "Conversion and engagement flags per campaign (conversion events reached names "
            "each of the campaign's conversion events A–D the person completed); variation and "
            "control group appear only for multivariate campaigns."
        )
        _table(
            tables["canvases_received"],
            "Canvases received",
            f"braze-canvases-{stem}.csv",
            "No Canvases entered.",
        )
        _table(
            tables["canvas_steps_received"],
            "Canvas steps received",
            f"braze-canvas-steps-{stem}.csv",
            "No Canvas steps received.",
        )
        _table(
            tables["cards_clicked"],
            "News Feed cards clicked",
            f"braze-cards-{stem}.csv",
            "No cards clicked.",
        )
    with devices, guarded("devices and apps"):
        _table(tables["devices"], "Devices", f"braze-devices-{stem}.csv", "No devices.")
        _table(
            tables["push_tokens"],
            "Push tokens",
            f"braze-push-tokens-{stem}.csv",
            "No push tokens.",
        )
        st.caption(
            "Tokens are shortened to their first 6 and last 4 characters. Ad identifiers "
            "(IDFA, Google, Roku, Windows) appear only where the device shares them."
        )
        _table(tables["apps"], "Apps used", f"braze-apps-{stem}.csv", "No app usage.")
    with custom, guarded("custom attributes"):
        _table(
            tables["custom_attributes"],
            "Custom attributes",
            f"braze-custom-attributes-{stem}.csv",
            "No custom attributes.",
        )
    with raw, guarded("the raw profile"):
        st.download_button(
            "Download raw profile (JSON)",
            data=partial(profile_json, user),  # built when clicked
            file_name=f"braze-profile-{stem}.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
        )
        st.json(user, expanded=1)


def _batch(result: LookupResult) -> None:
    """One row per user found, the unknown ids apart, and a picker for one profile."""
    table = batch_table(result)
    st.markdown(f"#### {len(result.users):,} profiles found")
    show_table(table, hide_index=True, width="stretch", column_config=_column_config(table))
    left, right = st.columns(2)
    with left:
        csv_download(table, "braze-users.csv", "Download table (CSV)")
    with right:
        st.download_button(
            "Download all profiles (JSON)",
            data=partial(batch_json, result),  # built when clicked
            file_name="braze-users.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
        )


def _invalid(result: LookupResult) -> None:
    ids = invalid_frame(result)
    if ids.empty:
        return
    noun = "identifier" if len(ids) == 1 else "identifiers"
    st.markdown(f"#### Not found in Braze ({len(ids):,} {noun})")
    st.caption("Braze returned these in `invalid_user_ids`: no user has them in this workspace.")
    show_table(ids, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(ids)))
    csv_download(ids, "braze-not-found.csv", "Download not-found list (CSV)")


def _results(result: LookupResult) -> None:
    request = result.request
    st.divider()
    st.caption(
        f"{md_escape(KIND_LABELS[request.kind])} lookup · {request.count:,} "
        f"identifier{'s' if request.count != 1 else ''} · {result.requests_sent:,} "
        f"request{'s' if result.requests_sent != 1 else ''} to Braze · "
        f"{len(request.fields)} fields · fetched {result.fetched_at:%H:%M:%S} UTC"
    )
    for failure in result.failures:
        show_error(failure.error, f"identifiers {failure.span}")
    if result.failures:
        st.caption("The identifiers above were not looked up; press **Look up** to try again.")
    users = result.users
    if not users:
        if result.complete:
            empty_state(
                "Braze has no user with "
                + ("these identifiers." if request.count > 1 else "this identifier.")
                + " Check the spelling, or try another identifier kind."
            )
        _invalid(result)
        return
    if len(users) > 1 or request.count > 1:
        with guarded("the users table"):
            _batch(result)
        _invalid(result)
    if len(users) == 1:
        chosen = 0
    else:
        st.divider()
        st.markdown("#### One profile in full")
        options = list(range(len(users)))
        if st.session_state.get(K_PROFILE) not in options:
            st.session_state[K_PROFILE] = 0
        chosen = st.selectbox(
            "Show profile",
            options,
            key=K_PROFILE,
            format_func=lambda i: user_label(users[i]),
            on_change=_forget_map,
        )
    with guarded("the profile"):
        _profile(users[chosen])
    if len(users) == 1:
        _invalid(result)


# ---- page ---------------------------------------------------------------------------------

ws = sidebar.current_workspace()

st.title("User lookup")
st.caption(
    "Find one person's Braze profile, or many at once, to answer “what did we send them, and "
    "what did they do?”."
)
st.caption(
    ":material/lock: Profiles are personal data: lookups are sent straight to Braze, kept only "
    "in this browser tab until you press **Clear** or close it, and never cached for other "
    "people, written to disk or logged. Identifiers are deliberately not put in the page link, "
    "because links end up in browser history and server logs."
)

if K_FIELDS not in st.session_state:
    st.session_state[K_FIELDS] = list(EXPORT_FIELDS)  # default: every documented field

mode = st.radio("Look up", [ONE, MANY], key=K_MODE, horizontal=True)
parser = _single_inputs() if mode == ONE else _batch_inputs()

with st.expander(
    f"Fields to export ({len(st.session_state.get(K_FIELDS, EXPORT_FIELDS))} "
    f"of {len(EXPORT_FIELDS)})",
    icon=":material/checklist:",
):
    fields = st.multiselect("Fields", list(EXPORT_FIELDS), key=K_FIELDS)
    st.caption(
        "Newer Braze workspaces must name the fields to export, so the page always sends this "
        "list. Fewer fields make exports faster. Custom events, purchases and messages received "
        "cover the last 90 days."
    )

buttons = st.container(horizontal=True)  # content-wide: an eighth of the row cut "Loo…"
look_up = buttons.button("Look up", type="primary", icon=":material/person_search:")
buttons.button("Clear", icon=":material/delete:", on_click=_clear)

if look_up:
    parsed = parser(fields)
    for note in parsed.notes:
        st.caption(md_escape(note))
    if not parsed.ok:
        st.error(
            "\n".join(f"- {md_escape(e)}" for e in parsed.errors)
            + "\n\nNothing was sent to Braze.",
            icon=":material/error:",
        )
    else:
        request = parsed.request
        progress = st.progress(0.0, text="Asking Braze…")

        def on_progress(done: int, total: int) -> None:
            progress.progress(done / total, text=f"Fetched {done:,} of {total:,} requests")

        with guarded("the user lookup"):
            st.session_state[K_RESULT] = lookup_users(ws, request, on_progress=on_progress)
            st.session_state.pop(K_PROFILE, None)
            _forget_map()
        progress.empty()

result = st.session_state.get(K_RESULT)
if isinstance(result, LookupResult):
    _results(result)
else:
    st.info(
        "Choose an identifier, enter it and press **Look up**. For many people at once, "
        "switch to *Many external IDs* and paste them or upload a CSV.",
        icon=":material/person_search:",
    )
