"""Fixed vocabularies the synthetic workspace draws names from (including hostile ones)."""

from __future__ import annotations

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

#: Braze Teams a campaign or Canvas can belong to (one is hostile: it must show as text).
TEAMS = ["Lifecycle", "Growth EU", "Retention & Loyalty", "<b>Ops</b>"]
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
HOSTILE_EVENTS = [
    "@mention_sent",
    "+plus_upgrade",
    "-refund_issued",
    "café_visité",
    HOSTILE_FORMULA,
]

PRODUCTS = [
    ("Premium Monthly", 999),
    ("Premium Annual", 8999),
    ("Gift Card 25", 2500),
    ("Coins Pack (500)", 499),
    ("Coins Pack (2000)", 1499),
    ("Remove Ads", 299),
    ("Café crème", 350),
    ("Sticker set 🐱", 199),
    (HOSTILE_FORMULA, 100),
]

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
