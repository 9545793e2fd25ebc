"""The user profile fields Braze's user exports accept in ``fields_to_export``.

One list for the client's callers, the sandbox and the pages, in a sensible reading order
(the old reference's fields plus today's additions).
"""

#: Scalar profile fields, in reading order.
SCALAR_FIELDS: tuple[str, ...] = (
    "external_id",
    "braze_id",
    "user_aliases",
    "first_name",
    "last_name",
    "email",
    "phone",
    "dob",
    "gender",
    "country",
    "home_city",
    "language",
    "time_zone",
    "last_coordinates",
    "created_at",
    "random_bucket",
    "total_revenue",
    "push_subscribe",
    "email_subscribe",
    "attributed_campaign",
    "attributed_source",
    "attributed_adgroup",
    "attributed_ad",
)
#: Fields holding objects or lists (custom attributes, events, purchases, devices, ...).
NESTED_FIELDS: tuple[str, ...] = (
    "custom_attributes",
    "custom_events",
    "purchases",
    "devices",
    "push_tokens",
    "apps",
    "campaigns_received",
    "canvases_received",
    "cards_clicked",
)
EXPORT_FIELDS: tuple[str, ...] = (*SCALAR_FIELDS, *NESTED_FIELDS, "uninstalled")
