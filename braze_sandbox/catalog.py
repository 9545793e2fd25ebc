"""Fixed vocabularies the synthetic workspace draws names from.

The demo shows realistic names only. The tests' workspaces plant hostile ones
(``Sandbox(hostile_names=True)``): ``Names`` lists every place that differs, so the hostile
workspace holds the same data under other names.
"""

from __future__ import annotations

from dataclasses import dataclass

HOSTILE_CAMPAIGN = "<script>alert(1)</script> Flash sale"
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","click")'

APPS = [
    ("Acme iOS", "iOS", 0.42),
    ("Acme Android", "Android", 0.38),
    ("Acme Web", "Web", 0.15),
    ("Acme tvOS", "tvOS", 0.05),
]

CHANNELS = [
    "email",
    "ios_push",
    "android_push",
    "web_push",
    "in_app_message",
    "trigger_in_app_message",
    "webhook",
    "sms",
    "content_cards",
    "whats_app",
]

CAMPAIGN_THEMES = [
    "Welcome series",
    "Cart abandonment",
    "Win-back",
    "Spring sale",
    "Summer sale",
    "Black Friday",
    "Cyber Monday",
    "Loyalty points",
    "Price drop alert",
    "Back in stock",
    "Weekly digest",
    "Product launch",
    "Feature announcement",
    "Survey invite",
    "Birthday offer",
    "Referral bonus",
    "Onboarding tip",
    "Subscription renewal",
    "Payment failed",
    "Order shipped",
    "Café ☕ loyalty",
    "日本語キャンペーン",
    "Émoji 🎉 promo",
    "عرض خاص",
]

TAGS = ["retention", "acquisition", "promo", "transactional", "lifecycle", "beta", "q3", "growth"]

SEGMENT_THEMES = [
    ("All Users", ("all",)),
    ("US users", ("country", "US")),
    ("UK users", ("country", "GB")),
    ("German users", ("country", "DE")),
    ("French speakers", ("language", "fr")),
    ("Email opted in", ("email_subscribe", "opted_in")),
    ("Push opted in", ("push_subscribe", "opted_in")),
    ("iOS app users", ("app", "Acme iOS")),
    ("Android app users", ("app", "Acme Android")),
    ("Web users", ("app", "Acme Web")),
    ("Big spenders", ("revenue_gt", 200.0)),
    ("Any purchase", ("revenue_gt", 0.0)),
]

EVENT_VERBS = [
    "viewed",
    "added",
    "removed",
    "shared",
    "liked",
    "searched",
    "completed",
    "started",
    "opened",
    "closed",
    "rated",
    "saved",
    "downloaded",
    "played",
    "skipped",
]
EVENT_NOUNS = [
    "product",
    "cart",
    "wishlist",
    "article",
    "video",
    "playlist",
    "level",
    "tutorial",
    "profile",
    "settings",
    "coupon",
    "review",
    "story",
    "checkout",
    "category",
    "banner",
    "survey",
    "podcast",
    "recipe",
    "ticket",
]
_PRODUCTS = (
    ("Premium Monthly", 999),
    ("Premium Annual", 8999),
    ("Gift Card 25", 2500),
    ("Coins Pack (500)", 499),
    ("Coins Pack (2000)", 1499),
    ("Remove Ads", 299),
    ("Café crème", 350),
    ("Sticker set 🐱", 199),
)


@dataclass(frozen=True)
class Names:
    """The names a demo (realistic) and a test workspace (hostile) give the same things."""

    campaign_4: str  #: the fourth campaign (always visible and active)
    extra_events: tuple[str, ...]  #: custom events beside the verb_noun ones
    products: tuple[tuple[str, int], ...]  #: (product id, price in cents)
    teams: tuple[str, ...]  #: Braze Teams a campaign or Canvas can belong to
    segment_teams: tuple[str, ...]
    extra_attribute: tuple[str, str]  #: a custom attribute's name and description
    extra_segment: str  #: the name of a 25% random-bucket segment
    user_12_first_name: str | None  #: None: drawn like everyone else's
    email_footer: str  #: added to every seventh email body
    card_6_title: str


REALISTIC = Names(
    campaign_4="Flash sale weekend",
    extra_events=("mention_sent", "plus_upgrade", "refund_issued", "café_visité", "link_shared"),
    products=(*_PRODUCTS, ("Extra lives (5)", 100)),
    teams=("Lifecycle", "Growth EU", "Retention & Loyalty", "Ops"),
    segment_teams=("Growth", "CRM", "Lifecycle", "Retail EU", "Team Ops"),
    extra_attribute=("imported_crm_tier", "Imported from a spreadsheet"),
    extra_segment="Random 25% test group",
    user_12_first_name=None,
    email_footer="<p>You can unsubscribe at any time.</p>",
    card_6_title="Weekly news",
)

#: What the tests plant: markup, formulas and CSV-trigger prefixes in every kind of name.
HOSTILE = Names(
    campaign_4=HOSTILE_CAMPAIGN,
    extra_events=(
        "@mention_sent",
        "+plus_upgrade",
        "-refund_issued",
        "café_visité",
        HOSTILE_FORMULA,
    ),
    products=(*_PRODUCTS, (HOSTILE_FORMULA, 100)),
    teams=("Lifecycle", "Growth EU", "Retention & Loyalty", "<b>Ops</b>"),
    segment_teams=("Growth", "CRM", "Lifecycle", "Retail EU", "Team <b>Ops</b>"),
    extra_attribute=(HOSTILE_FORMULA, "<b>imported</b> from a spreadsheet"),
    extra_segment=HOSTILE_FORMULA,
    user_12_first_name="<img src=x onerror=alert(1)>",
    email_footer='<script>alert("xss")</script><img src=x onerror="alert(1)">',
    card_6_title="<b>Bold</b> news",
)

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloé",
    "Dmitri",
    "Emma",
    "Farah",
    "Gustav",
    "Hiro",
    "Ines",
    "Jamal",
    "Kaito",
    "Lena",
    "Mateo",
    "Nia",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Yuki",
]
LAST_NAMES = [
    "Smith",
    "Müller",
    "García",
    "Rossi",
    "Nakamura",
    "Dubois",
    "Kowalski",
    "Okafor",
    "Silva",
    "Johansson",
    "O'Brien",
    "Ng",
]
PLACES = [
    ("US", "New York", "America/New_York", "en", -74.0, 40.7),
    ("US", "San Francisco", "America/Los_Angeles", "en", -122.4, 37.8),
    ("GB", "London", "Europe/London", "en", -0.1, 51.5),
    ("DE", "Berlin", "Europe/Berlin", "de", 13.4, 52.5),
    ("FR", "Paris", "Europe/Paris", "fr", 2.35, 48.9),
    ("JP", "Tokyo", "Asia/Tokyo", "ja", 139.7, 35.7),
    ("BR", "São Paulo", "America/Sao_Paulo", "pt", -46.6, -23.5),
    ("IN", "Bengaluru", "Asia/Kolkata", "en", 77.6, 12.97),
]
DEVICE_MODELS = {
    "iOS": ["iPhone 15", "iPhone 14 Pro", "iPad Air"],
    "Android": ["Pixel 8", "Galaxy S23", "OnePlus 11"],
    "Web": ["Chrome", "Firefox", "Safari"],
    "tvOS": ["Apple TV 4K"],
}
CARRIERS = ["Verizon", "Vodafone", "T-Mobile", "Orange", "NTT Docomo", ""]
