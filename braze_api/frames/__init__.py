"""Pure pivots from Braze Export API JSON to tidy pandas frames (no I/O, no HTTP, no UI).

Every function accepts the decoded body (or the relevant part) and tolerates missing keys,
nulls, unknown extra keys, numbers sent as strings, empty lists and wrong container types
(treated as empty). Time columns are tz-aware UTC (`datetime64[ns, UTC]`), counts Int64,
money float64, text the pandas string dtype, list-valued cells plain Python lists.

Series
- series_frame(body, value_columns=None): KPI/sessions/events/revenue/quantity/segment/feed
  series → one row per UTC `time`, sorted, duplicate times last-wins (SERIES_VALUE_COLUMNS
  names each endpoint's value columns).

Campaigns and sends (campaign_series; the flattening itself is messages.message_frame)
- campaign_series_frame(body): /campaigns/data_series or /sends/data_series → long frame,
  one row per (time, channel, variation_name) with is_control and every metric (missing → 0).
- campaign_totals_frame(body): per-time top-level totals (CAMPAIGN_TOTAL_FIELDS; missing → 0).
- campaign_series_from_bytes(payload) -> SeriesFrames(long, totals, channels): the same three
  from the response bytes by a typed decode (series_bytes); a documented field of another
  type (a count as "12", 1.5 or true) raises SeriesTypeError (a TypeError) with its JSON
  path; a body that is no JSON object raises ValueError. The send view reads it this way
  (client sends.data_series_frames).
- campaign_variation_totals(long_frame): metrics summed per channel and variation
  (variation_api_id where Braze sends it, else the label).
- name_variations(long_frame, names): variation_name from /campaigns/details names by id.

Engagement (engagement: one rule table per channel kind)
- channel_kind(channel): "email" | "push" | "in_app" | "webhook" | "sms" | "content_cards" |
  "whats_app" | "other".
- engagement_frame(long_frame): common sent/delivered/opens/clicks per row (NA where the
  channel has no such concept), for funnels and leaderboards.
- engagement_values(channel, metrics, columns): the same rules on one row of plain numbers;
  ENGAGEMENT_INPUTS names every metric a rule reads.

Leaderboard sums (leaderboard_sums: the fast path, no frames)
- campaign_window_sums(body, first_day, last_day) -> CampaignWindowSums | None: one series
  window reduced to per-channel sums of ENGAGEMENT_INPUTS and its totals (None: take the
  frame path). campaign_window_period_sums(body, periods): the same for several disjoint
  periods of one body in one pass (the compared leaderboard's range and period before).
- campaign_range_sums(windows, start, end): exactly the summed engagement_frame and totals
  frame of the stitched windows over [start, end] (None: take the frame path);
  campaign_range_kind_sums the same engagement per channel kind (rates are taken per kind).

Canvas
- canvas_series_frames(body) -> CanvasFrames(totals, variants, steps, step_channels), each
  with a `time` column; canvas_summary_frames(body) the same for /canvas/data_summary
  without `time`. Step revenue lives only in `steps` (never repeated per channel).

Lists and details
- items_frame(items, columns=None): list items (or the whole list body) → rows; `tags` as a
  list column plus `tags_text`.
- campaign_messages_frame(details): one row per message variation (MESSAGE_COLUMNS, then
  every other field); variation_names(details): {variation id: name}.
- conversion_behaviors_frame(details): conversion events A, B, C… with window text.
- window_text(seconds): 86400 → "24 hours", 259200 → "3 days", 1800 → "30 minutes".
- canvas_steps_frame(details): steps with type, channels, next steps and branch paths
  (next_paths), reaching variants, BFS depth.
- canvas_variants_frame(details): variants with first steps and reachable step count.

Definitions and details (definitions)
- custom_events_frame(body): /events → name, description, status,
  included_in_analytics_report, tag_names (+ tag_names_text), unknown keys after.
- custom_attributes_frame(body): /custom_attributes → name, data_type, array_length,
  description, status, tag_names (+ tag_names_text).
- details_frame(body, documented=SEGMENT_DETAIL_COLUMNS): one details body → one typed row
  (lists + `<name>_text`, every date form Braze writes → UTC, unknown keys kept).
- with_unknown(documented, items): documented column names, then every other key the items
  carry (for items_frame callers that fix their columns).

Users
- user_profile_frames(user) -> dict of PROFILE_TABLES frames (attributes, custom_attributes,
  custom_events, purchases, devices, push_tokens, apps, campaigns_received,
  canvases_received, canvas_steps_received, cards_clicked).
- users_summary_frame(users): one row per user (SUMMARY_COLUMNS).
- short_token(token): "abcdef…wxyz" for display.
- text_column(values): a string column (containers as compact JSON; a lone surrogate, which
  JSON allows and Arrow refuses, becomes U+FFFD).
"""

from ._coerce import text_column
from .campaign_series import (
    CAMPAIGN_TOTAL_FIELDS,
    campaign_series_frame,
    campaign_totals_frame,
    campaign_variation_totals,
    name_variations,
)
from .canvas import (
    CANVAS_METRICS,
    STEP_METRICS,
    CanvasFrames,
    canvas_series_frames,
    canvas_summary_frames,
)
from .definitions import (
    ATTRIBUTE_COLUMNS,
    CARD_DETAIL_COLUMNS,
    EVENT_COLUMNS,
    SEGMENT_DETAIL_COLUMNS,
    custom_attributes_frame,
    custom_events_frame,
    details_frame,
    with_unknown,
)
from .details import (
    BEHAVIOR_COLUMNS,
    MESSAGE_COLUMNS,
    STEP_COLUMNS,
    VARIANT_COLUMNS,
    campaign_messages_frame,
    canvas_steps_frame,
    canvas_variants_frame,
    conversion_behaviors_frame,
    items_frame,
    variation_names,
    window_text,
)
from .engagement import (
    ENGAGEMENT_COLUMNS,
    ENGAGEMENT_INPUTS,
    channel_kind,
    engagement_frame,
    engagement_values,
)
from .leaderboard_sums import (
    CampaignWindowSums,
    campaign_range_kind_sums,
    campaign_range_sums,
    campaign_window_period_sums,
    campaign_window_sums,
)
from .series import SERIES_VALUE_COLUMNS, series_frame
from .series_bytes import SeriesFrames, SeriesTypeError, campaign_series_from_bytes
from .users import (
    ATTRIBUTE_FIELDS,
    PROFILE_TABLES,
    SUMMARY_COLUMNS,
    short_token,
    user_profile_frames,
    users_summary_frame,
)

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "ATTRIBUTE_FIELDS",
    "BEHAVIOR_COLUMNS",
    "CAMPAIGN_TOTAL_FIELDS",
    "CANVAS_METRICS",
    "CARD_DETAIL_COLUMNS",
    "ENGAGEMENT_COLUMNS",
    "ENGAGEMENT_INPUTS",
    "EVENT_COLUMNS",
    "MESSAGE_COLUMNS",
    "PROFILE_TABLES",
    "SEGMENT_DETAIL_COLUMNS",
    "SERIES_VALUE_COLUMNS",
    "STEP_COLUMNS",
    "STEP_METRICS",
    "SUMMARY_COLUMNS",
    "VARIANT_COLUMNS",
    "CampaignWindowSums",
    "CanvasFrames",
    "SeriesFrames",
    "SeriesTypeError",
    "campaign_messages_frame",
    "campaign_range_kind_sums",
    "campaign_range_sums",
    "campaign_series_frame",
    "campaign_series_from_bytes",
    "campaign_totals_frame",
    "campaign_variation_totals",
    "campaign_window_period_sums",
    "campaign_window_sums",
    "canvas_series_frames",
    "canvas_steps_frame",
    "canvas_summary_frames",
    "canvas_variants_frame",
    "channel_kind",
    "conversion_behaviors_frame",
    "custom_attributes_frame",
    "custom_events_frame",
    "details_frame",
    "engagement_frame",
    "engagement_values",
    "items_frame",
    "name_variations",
    "series_frame",
    "short_token",
    "text_column",
    "user_profile_frames",
    "users_summary_frame",
    "variation_names",
    "window_text",
    "with_unknown",
]
