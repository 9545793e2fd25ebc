"""The Export endpoints: parameters in, Braze-shaped JSON out (no HTTP here).

Each handler takes the query dict (and JSON body for POSTs) and returns the
response body, or raises ApiError with Braze's `{"message": ...}` wording.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, TypeVar, overload

from . import messaging
from .definitions import (
    Reply,
    attribute_definitions,
    cursor_page,
    event_definitions,
    segment_notes,
)
from .exports import Exports, check_callback
from .series import Metrics, points
from .timewin import (
    ApiError,
    bad,
    day_window,
    ending,
    hour_window,
    parse_bool,
    parse_int,
    parse_iso,
    parse_unit,
    utcnow,
)
from .users import CONTROL_GROUP_FIELDS, EXPORT_FIELDS, in_global_control_group, shape
from .workspace import CanvasStep, SyntheticWorkspace

LIST_PAGE = 100
NAME_PAGE = 250
MAX_IDS = 50

T = TypeVar("T")


@dataclass
class Context:
    workspace: SyntheticWorkspace
    metrics: Metrics
    exports: Exports
    base_url: Callable[[], str]
    # the request's time: campaign and Canvas handlers read "now" and "today" from it on
    # every request (a sandbox left running past midnight serves the new day)
    clock: Callable[[], datetime] = utcnow


def iso(dt: datetime | None) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00") if dt is not None else None


# -- shared parameter helpers -------------------------------------------------


def _page(q: dict[str, str], items: list, size: int, *, sortable: bool) -> list:
    page = parse_int(q, "page", 0, 1_000_000, required=False) or 0
    if sortable:
        direction = q.get("sort_direction") or "asc"
        if direction not in ("asc", "desc"):
            raise bad("sort_direction must be 'asc' or 'desc'")
        if direction == "desc":
            items = list(reversed(items))
    return items[page * size : (page + 1) * size]


@overload
def _series_window(
    q: dict[str, str], *, allow_hour: Literal[False], now: datetime | None = None
) -> tuple[list[date], None]: ...
@overload
def _series_window(
    q: dict[str, str], *, allow_hour: bool, now: datetime | None = None
) -> tuple[list[date] | None, list[datetime] | None]: ...
def _series_window(
    q: dict[str, str], *, allow_hour: bool, now: datetime | None = None
) -> tuple[list[date] | None, list[datetime] | None]:
    length = parse_int(q, "length", 1, 100, required=True)
    unit = parse_unit(q) if allow_hour else "day"
    end = ending(q, now=now)
    if unit == "hour":
        return None, hour_window(end, length, now)
    return day_window(end, length, now), None


def _app_id(ctx: Context, q: dict[str, str]) -> str | None:
    app_id = q.get("app_id") or None
    if app_id and app_id not in ctx.workspace.app_by_id:
        raise bad("Invalid app_id")
    return app_id


def _analytics_segment(ctx: Context, q: dict[str, str]) -> str | None:
    segment_id = q.get("segment_id") or None
    if segment_id is None:
        return None
    segment = ctx.workspace.segment_by_id.get(segment_id)
    if segment is None:
        raise bad("Invalid segment_id")
    if not segment.analytics_tracking_enabled:
        raise bad("Segment does not have analytics tracking enabled")
    return segment_id


def _lookup(q: dict[str, str], name: str, table: Mapping[str, T]) -> T:
    key = q.get(name)
    if not key:
        raise bad(f"{name} is required")
    entity = table.get(key)
    if entity is None:
        raise bad(f"Invalid {name}")
    return entity


def _ok(**body: object) -> dict:
    return {"message": "success", **body}


# -- users ------------------------------------------------------------------


def _fields(body: dict) -> list[str] | None:
    fields = body.get("fields_to_export")
    if fields is None:
        return None
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise bad("fields_to_export must be an array of strings")
    unknown = [f for f in fields if f not in EXPORT_FIELDS]
    if unknown:
        raise bad(f"Invalid fields_to_export: {', '.join(unknown)}")
    return fields


def users_export_ids(ctx: Context, q: dict[str, str], body: dict) -> dict:
    kinds = [
        k
        for k in ("external_ids", "user_aliases", "device_id", "email_address", "braze_id", "phone")
        if body.get(k)
    ]
    if len(kinds) != 1:
        raise bad(
            "Exactly one of external_ids, user_aliases, device_id, email_address, braze_id or phone is required"
        )
    kind = kinds[0]
    fields = _fields(body)
    users = ctx.workspace.users
    found: list[dict] = []
    invalid: list[str] = []
    if kind in ("external_ids", "user_aliases"):
        wanted = body[kind]
        if not isinstance(wanted, list):
            raise bad(f"{kind} must be an array")
        if len(wanted) > MAX_IDS:
            raise bad(f"Too many {kind}: at most {MAX_IDS} per request")
        if kind == "external_ids":
            index = {u["external_id"]: u for u in users if "external_id" in u}
            for ext in wanted:
                user = index.get(ext) if isinstance(ext, str) else None
                (found.append(user) if user else invalid.append(str(ext)))
        else:
            index = {
                (a["alias_name"], a["alias_label"]): u
                for u in users
                for a in u.get("user_aliases", ())
            }
            for alias in wanted:
                if not isinstance(alias, dict) or not {"alias_name", "alias_label"} <= alias.keys():
                    raise bad("user_aliases entries need alias_name and alias_label")
                user = index.get((alias["alias_name"], alias["alias_label"]))
                (found.append(user) if user else invalid.append(str(alias["alias_name"])))
    else:
        value = body[kind]
        if not isinstance(value, str):
            raise bad(f"{kind} must be a string")
        if kind == "device_id":
            found = [
                u for u in users if any(d.get("device_id") == value for d in u.get("devices", ()))
            ]
        else:
            key = {"email_address": "email", "braze_id": "braze_id", "phone": "phone"}[kind]
            found = [u for u in users if u.get(key) == value]
        if not found:
            invalid.append(value)
    shaped = [shape(u, fields) for u in found]
    out = _ok(users=shaped)
    if invalid:
        out["invalid_user_ids"] = invalid
    return out


def users_export_segment(ctx: Context, q: dict[str, str], body: dict) -> dict:
    segment_id = body.get("segment_id")
    if not segment_id or not isinstance(segment_id, str):
        raise bad("segment_id is required")
    if segment_id not in ctx.workspace.segment_by_id:
        raise bad("Invalid segment_id")
    fields = _fields(body)
    fmt = body.get("output_format")
    if fmt is not None and fmt not in ("zip", "gzip"):
        raise bad("output_format must be 'zip' or 'gzip'")
    callback = body.get("callback_endpoint")
    if callback is not None and (not isinstance(callback, str) or not check_callback(callback)):
        raise bad("callback_endpoint must be an http(s) URL on a loopback host in the sandbox")
    if ctx.exports.busy(segment_id):
        raise ApiError(429, "An export of this segment is already in progress")
    members = ctx.workspace.segment_members(segment_id)

    def url_for(prefix: str) -> str:
        return f"{ctx.base_url()}/_sandbox/exports/{prefix}.zip"

    job = ctx.exports.start(segment_id, members, fields, callback, url_for)
    return _ok(object_prefix=job.prefix, url=url_for(job.prefix))


GLOBAL_CONTROL_GROUP = "global_control_group"  # the job key of control-group exports


def users_export_global_control_group(ctx: Context, q: dict[str, str], body: dict) -> dict:
    """Like a segment export, for the users in the Global Control Group (no segment_id)."""
    fields = _fields(body)
    fmt = body.get("output_format")
    if fmt is not None and fmt not in ("zip", "gzip"):
        raise bad("output_format must be 'zip' or 'gzip'")
    callback = body.get("callback_endpoint")
    if callback and (not isinstance(callback, str) or not check_callback(callback)):
        raise bad("callback_endpoint must be an http(s) URL on a loopback host in the sandbox")
    if ctx.exports.busy(GLOBAL_CONTROL_GROUP):
        raise ApiError(429, "An export of the Global Control Group is already in progress")
    wanted = sorted(CONTROL_GROUP_FIELDS if fields is None else CONTROL_GROUP_FIELDS & set(fields))
    members = [shape(u, wanted) for u in ctx.workspace.users if in_global_control_group(u)]

    def url_for(prefix: str) -> str:
        return f"{ctx.base_url()}/_sandbox/exports/{prefix}.zip"

    job = ctx.exports.start(GLOBAL_CONTROL_GROUP, members, None, callback or None, url_for)
    return _ok(object_prefix=job.prefix, url=url_for(job.prefix))


def export_segment_cancel(ctx: Context, q: dict[str, str], body: dict) -> dict:
    """POST /export/segment/cancel: cancel every ongoing export of the segment."""
    segment_id = body.get("segment_id")
    if not segment_id or not isinstance(segment_id, str):
        raise bad("segment_id is required")
    if segment_id not in ctx.workspace.segment_by_id:
        raise bad("Invalid segment_id")
    ctx.exports.cancel(segment_id)
    return _ok()


# -- segments ---------------------------------------------------------------


def segments_list(ctx: Context, q: dict[str, str], body: dict) -> dict:
    items = [
        {
            "id": s.id,
            "name": s.name,
            "analytics_tracking_enabled": s.analytics_tracking_enabled,
            "tags": s.tags,
        }
        for s in ctx.workspace.segments
    ]
    return _ok(segments=_page(q, items, LIST_PAGE, sortable=True))


def segments_data_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    segment = _lookup(q, "segment_id", ctx.workspace.segment_by_id)
    if not segment.analytics_tracking_enabled:
        raise bad("Segment does not have analytics tracking enabled")
    days, _ = _series_window(q, allow_hour=False)
    return _ok(data=points(ctx.metrics.segment_size(segment), days, None, "size"))


def segments_details(ctx: Context, q: dict[str, str], body: dict) -> dict:
    s = _lookup(q, "segment_id", ctx.workspace.segment_by_id)
    text_description, teams = segment_notes(ctx.workspace.seed, s.id, s.name, ctx.workspace.names)
    return _ok(
        created_at=iso(s.created_at),
        updated_at=iso(s.updated_at),
        name=s.name,
        description=s.description,
        text_description=text_description,
        tags=s.tags,
        teams=teams,
    )


# -- campaigns and sends -----------------------------------------------------


def campaigns_list(ctx: Context, q: dict[str, str], body: dict) -> dict:
    archived = parse_bool(q, "include_archived")
    items = [
        {
            "id": c.id,
            "name": c.name,
            "is_api_campaign": c.is_api_campaign,
            "tags": c.tags,
            "last_edited": iso(c.updated_at),
        }
        for c in ctx.workspace.campaigns
        if archived or not c.archived
    ]
    return _ok(campaigns=_page(q, items, LIST_PAGE, sortable=True))


def _dated(days: list[date], make: Callable[[date], dict]) -> list[dict]:
    return [{"time": d.isoformat(), **make(d)} for d in days]


def campaigns_data_series(ctx: Context, q: dict[str, str], body: dict) -> Reply:
    c = _lookup(q, "campaign_id", ctx.workspace.campaign_by_id)
    now = ctx.clock()
    days, _ = _series_window(q, allow_hour=False, now=now)
    data = messaging.campaign_days_json(ctx.workspace.seed, c, days, now.date())
    # the bytes json.dumps(_ok(data=[...])) gives, from the remembered days (no re-encoding)
    return Reply(_ok(data=[]), encoded='{"message": "success", "data": ' + data + "}")


def campaigns_details(ctx: Context, q: dict[str, str], body: dict) -> dict:
    c = _lookup(q, "campaign_id", ctx.workspace.campaign_by_id)
    draft_version = parse_bool(q, "post_launch_draft_version")
    last = c.last_sent
    if last is None and c.first_sent is not None:
        last = ctx.clock().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    messages = {v.id: v.message for v in c.variations}
    if draft_version and c.has_post_launch_draft:  # the draft's pending edits
        messages = {vid: {**m, "name": f"{m.get('name')} (draft)"} for vid, m in messages.items()}
    return _ok(
        created_at=iso(c.created_at),
        updated_at=iso(c.updated_at),
        archived=c.archived,
        draft=c.draft,
        enabled=c.enabled,
        has_post_launch_draft=c.has_post_launch_draft,
        name=c.name,
        description="",
        schedule_type=c.schedule_type,
        channels=c.channels,
        first_sent=iso(c.first_sent),
        last_sent=iso(last),
        tags=c.tags,
        teams=c.teams,
        messages=messages,
        conversion_behaviors=c.conversion_behaviors,
    )


def sends_data_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    c = _lookup(q, "campaign_id", ctx.workspace.campaign_by_id)
    send_id = q.get("send_id")
    if not send_id:
        raise bad("send_id is required")
    send = next((s for s in c.send_ids if s.id == send_id), None)
    if send is None:
        raise bad("Invalid send_id")
    now = ctx.clock()
    days, _ = _series_window(q, allow_hour=False, now=now)
    oldest = now.date() - timedelta(days=13)  # send analytics are kept 14 days
    days = [d for d in days if d >= oldest]
    return _ok(data=_dated(days, lambda d: messaging.send_day(ctx.workspace.seed, c, send, d)))


# -- canvas -----------------------------------------------------------------


def canvas_list(ctx: Context, q: dict[str, str], body: dict) -> dict:
    archived = parse_bool(q, "include_archived")
    items = [
        {"id": c.id, "name": c.name, "tags": c.tags, "last_edited": iso(c.updated_at)}
        for c in ctx.workspace.canvases
        if archived or not c.archived
    ]
    return _ok(canvases=_page(q, items, LIST_PAGE, sortable=True))


def _step(step: CanvasStep) -> dict:
    return {
        "name": step.name,
        "type": step.type,
        "id": step.id,
        "next_step_ids": step.next_step_ids,
        "next_paths": [{"name": name, "next_step_id": target} for name, target in step.next_paths],
        "channels": step.channels,
        "messages": step.messages,
    }


def canvas_details(ctx: Context, q: dict[str, str], body: dict) -> dict:
    c = _lookup(q, "canvas_id", ctx.workspace.canvas_by_id)
    variants = []
    for v in c.variants:
        entry = {"name": v.name, "id": v.id, "first_step_ids": v.first_step_ids}
        if len(v.first_step_ids) == 1:
            entry["first_step_id"] = v.first_step_ids[0]
        variants.append(entry)
    last = c.last_entry
    if last is None and c.first_entry is not None:
        last = ctx.clock().replace(minute=0, second=0, microsecond=0)
    parse_bool(q, "post_launch_draft_version")  # accepted; the sandbox's draft changes nothing
    return _ok(
        created_at=iso(c.created_at),
        updated_at=iso(c.updated_at),
        name=c.name,
        description="",
        archived=c.archived,
        draft=c.draft,
        enabled=c.enabled,
        has_post_launch_draft=c.has_post_launch_draft,
        schedule_type=c.schedule_type,
        first_entry=iso(c.first_entry),
        last_entry=iso(last),
        channels=c.channels,
        variants=variants,
        tags=c.tags,
        teams=c.teams,
        steps=[_step(s) for s in c.steps],
    )


def _canvas_days(q: dict[str, str], now: datetime) -> list[date]:
    end = ending(q, required=True, now=now)
    length = parse_int(q, "length", 1, 14, required=False)
    if q.get("starting_at"):
        start = parse_iso(q["starting_at"], "starting_at")
        span = (end.date() - start.date()).days
        if span < 0:
            raise bad("starting_at must be before ending_at")
        if span > 14:
            raise bad("starting_at must be at most 14 days before ending_at")
        length = span + 1
    if length is None:
        raise bad("Either length or starting_at is required")
    return day_window(end, length, now)


def _canvas_flags(q: dict[str, str]) -> tuple[bool, bool, bool]:
    return (
        parse_bool(q, "include_variant_breakdown"),
        parse_bool(q, "include_step_breakdown"),
        parse_bool(q, "include_deleted_step_data"),
    )


def _trim(day: dict, variants: bool, steps: bool) -> dict:
    out = {"total_stats": day["total_stats"]}
    if variants:
        out["variant_stats"] = day["variant_stats"]
    if steps:
        out["step_stats"] = day["step_stats"]
    return out


def canvas_data_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    c = _lookup(q, "canvas_id", ctx.workspace.canvas_by_id)
    now = ctx.clock()
    days = _canvas_days(q, now)
    variants, steps, deleted = _canvas_flags(q)
    today = now.date()
    stats = [
        {
            "time": d.isoformat(),
            **_trim(
                messaging.canvas_day(ctx.workspace.seed, c, d, today, deleted), variants, steps
            ),
        }
        for d in days
    ]
    return _ok(data={"name": c.name, "stats": stats})


def canvas_data_summary(ctx: Context, q: dict[str, str], body: dict) -> dict:
    c = _lookup(q, "canvas_id", ctx.workspace.canvas_by_id)
    now = ctx.clock()
    days = _canvas_days(q, now)
    variants, steps, deleted = _canvas_flags(q)
    today = now.date()
    summary = messaging.canvas_summary(
        [messaging.canvas_day(ctx.workspace.seed, c, d, today, deleted) for d in days]
    )
    return _ok(data={"name": c.name, **_trim(summary, variants, steps)})


# -- news feed --------------------------------------------------------------


def feed_list(ctx: Context, q: dict[str, str], body: dict) -> dict:
    archived = parse_bool(q, "include_archived")
    items = [
        {"id": c.id, "type": c.type, "title": c.title, "tags": c.tags}
        for c in ctx.workspace.cards
        if archived or not c.archived
    ]
    return _ok(cards=_page(q, items, LIST_PAGE, sortable=True))


def feed_data_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    card = _lookup(q, "card_id", ctx.workspace.card_by_id)
    days, hours = _series_window(q, allow_hour=True)
    sources = ctx.metrics.card(card)
    columns = {name: points(src, days, hours, name) for name, src in sources.items()}
    rows = []
    for i, base in enumerate(columns["clicks"]):
        row = {"time": base["time"]}
        for name in ("clicks", "impressions", "unique_clicks", "unique_impressions"):
            row[name] = columns[name][i][name]
        rows.append(row)
    return _ok(data=rows)


def feed_details(ctx: Context, q: dict[str, str], body: dict) -> dict:
    c = _lookup(q, "card_id", ctx.workspace.card_by_id)
    return _ok(
        created_at=iso(c.created_at),
        updated_at=iso(c.updated_at),
        name=c.name,
        publish_at=iso(c.publish_at),
        end_at=iso(c.end_at),
        tags=c.tags,
        title=c.title,
        image_url=c.image_url,
        extras=c.extras,
        description=c.description,
        archived=c.archived,
        draft=c.draft,
    )


# -- KPIs, sessions, events, purchases ---------------------------------------


def _kpi(name: str) -> Callable[[Context, dict[str, str], dict], dict]:
    def handler(ctx: Context, q: dict[str, str], body: dict) -> dict:
        app_id = _app_id(ctx, q)
        days, _ = _series_window(q, allow_hour=False)
        return _ok(data=points(ctx.metrics.kpi(name, app_id), days, None, name))

    handler.__name__ = f"kpi_{name}"
    return handler


def sessions_data_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    app_id, segment_id = _app_id(ctx, q), _analytics_segment(ctx, q)
    days, hours = _series_window(q, allow_hour=True)
    return _ok(data=points(ctx.metrics.sessions(app_id, segment_id), days, hours, "sessions"))


def events_list(ctx: Context, q: dict[str, str], body: dict) -> dict:
    return _ok(events=_page(q, ctx.workspace.events, NAME_PAGE, sortable=False))


def events_export(ctx: Context, q: dict[str, str], body: dict) -> Reply:
    """GET /events: definitions 50 a page, `Link` header cursor paging."""
    items = event_definitions(ctx.workspace.seed, tuple(ctx.workspace.events))
    return cursor_page(items, q.get("cursor"), ctx.base_url(), "/events", "events")


def custom_attributes_export(ctx: Context, q: dict[str, str], body: dict) -> Reply:
    """GET /custom_attributes: definitions 50 a page, `Link` header cursor paging."""
    items = attribute_definitions(ctx.workspace.seed, ctx.workspace.names)
    return cursor_page(items, q.get("cursor"), ctx.base_url(), "/custom_attributes", "attributes")


def events_data_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    event = q.get("event")
    if not event:
        raise bad("event is required")
    if event not in ctx.workspace.event_set:
        raise bad("Invalid event")
    app_id, segment_id = _app_id(ctx, q), _analytics_segment(ctx, q)
    days, hours = _series_window(q, allow_hour=True)
    return _ok(data=points(ctx.metrics.event(event, app_id, segment_id), days, hours, "count"))


def _product(ctx: Context, q: dict[str, str]) -> str | None:
    product = q.get("product") or None
    if product and product not in ctx.workspace.product_by_name:
        raise bad("Invalid product")
    return product


def purchases_product_list(ctx: Context, q: dict[str, str], body: dict) -> dict:
    names = sorted(p.name for p in ctx.workspace.products)
    return _ok(products=_page(q, names, NAME_PAGE, sortable=False))


def purchases_revenue_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    product, app_id = _product(ctx, q), _app_id(ctx, q)
    days, hours = _series_window(q, allow_hour=True)
    source = ctx.metrics.revenue_cents(product, app_id)
    return _ok(data=points(source, days, hours, "revenue", as_float_cents=True))


def purchases_quantity_series(ctx: Context, q: dict[str, str], body: dict) -> dict:
    product, app_id = _product(ctx, q), _app_id(ctx, q)
    days, hours = _series_window(q, allow_hour=True)
    return _ok(data=points(ctx.metrics.quantity(product, app_id), days, hours, "purchase_quantity"))


Handler = Callable[[Context, dict[str, str], dict], dict | Reply]

ROUTES: dict[str, tuple[str, Handler]] = {
    "/users/export/ids": ("POST", users_export_ids),
    "/users/export/segment": ("POST", users_export_segment),
    "/users/export/global_control_group": ("POST", users_export_global_control_group),
    "/export/segment/cancel": ("POST", export_segment_cancel),
    "/segments/list": ("GET", segments_list),
    "/segments/data_series": ("GET", segments_data_series),
    "/segments/details": ("GET", segments_details),
    "/campaigns/list": ("GET", campaigns_list),
    "/campaigns/data_series": ("GET", campaigns_data_series),
    "/campaigns/details": ("GET", campaigns_details),
    "/sends/data_series": ("GET", sends_data_series),
    "/canvas/list": ("GET", canvas_list),
    "/canvas/details": ("GET", canvas_details),
    "/canvas/data_series": ("GET", canvas_data_series),
    "/canvas/data_summary": ("GET", canvas_data_summary),
    "/feed/list": ("GET", feed_list),
    "/feed/data_series": ("GET", feed_data_series),
    "/feed/details": ("GET", feed_details),
    "/kpi/mau/data_series": ("GET", _kpi("mau")),
    "/kpi/dau/data_series": ("GET", _kpi("dau")),
    "/kpi/new_users/data_series": ("GET", _kpi("new_users")),
    "/kpi/uninstalls/data_series": ("GET", _kpi("uninstalls")),
    "/sessions/data_series": ("GET", sessions_data_series),
    "/events": ("GET", events_export),
    "/custom_attributes": ("GET", custom_attributes_export),
    "/events/list": ("GET", events_list),
    "/events/data_series": ("GET", events_data_series),
    "/purchases/product_list": ("GET", purchases_product_list),
    "/purchases/revenue_series": ("GET", purchases_revenue_series),
    "/purchases/quantity_series": ("GET", purchases_quantity_series),
}
