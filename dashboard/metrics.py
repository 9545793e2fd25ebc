"""One definition per metric: the numerator and denominator of every rate, per channel family.

Braze's export reports counts (sends, deliveries, opens, clicks, ...) per channel; the rates a
marketer reads are ours to compute, and every card, funnel, table, chart, caption and CSV
computes them here, so a page cannot show two values for the same rate. The counts come from
``braze_api.frames.engagement`` (its rule table says which Braze field stands for sent,
delivered, opens and clicks in each channel kind); this module says which of those counts
each rate divides, per kind, following Braze's report metrics glossary:

- a rate sums its numerator and its denominator over the channel families that define it,
  so email opens are never divided by push deliveries plus in-app impressions;
- channels the dashboard does not know (kind ``other``) count in their own totals but in no
  rate and not in Delivered: what their fields mean is unknown;
- conversion rate divides primary conversions (A) by unique recipients, both as Braze totals
  them; Canvas conversion rate divides conversions by entries.

Pure (pandas in, numbers out); tested directly, and the README's "Metric definitions"
section is ``readme_section()`` (a test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from braze_api.frames import channel_kind
from dashboard.display import percent_text

#: Channel kinds (``frames.channel_kind``) as people read them, in the order docs list them.
FAMILIES: Mapping[str, str] = {
    "email": "Email",
    "push": "Push",
    "sms": "SMS / MMS",
    "whats_app": "WhatsApp",
    "webhook": "Webhook",
    "in_app": "In-app messages",
    "content_cards": "Content Cards",
    "other": "Other channels",
}

FAMILIES_WITH_CANVAS: Mapping[str, str] = {**FAMILIES, "canvas": "Canvas"}

#: What each common count reads, per family (the words for ``frames.engagement``'s rules;
#: a family without a key has no such count). tests/test_metrics.py checks they agree.
COUNTS: Mapping[str, Mapping[str, str]] = {
    "email": {
        "sent": "sends",
        "delivered": "deliveries",
        "opens": "unique opens",
        "clicks": "unique clicks",
    },
    "push": {
        "sent": "sends",
        "delivered": "deliveries",
        "opens": "direct opens",
        "clicks": "body clicks",
    },
    "sms": {"sent": "sends", "delivered": "confirmed deliveries", "clicks": "clicks"},
    "whats_app": {"sent": "sends", "delivered": "deliveries", "opens": "reads"},
    "webhook": {"sent": "sends", "delivered": "sends − errors"},
    "in_app": {"opens": "impressions", "clicks": "clicks"},
    "content_cards": {
        "sent": "cards sent",
        "opens": "unique impressions",
        "clicks": "unique clicks",
    },
    "other": {
        "sent": "sends",
        "delivered": "deliveries",
        "opens": "opens or impressions",
        "clicks": "clicks",
    },
}

#: The engagement counts, in funnel order.
COUNT_NAMES: tuple[str, ...] = ("sent", "delivered", "opens", "clicks")


@dataclass(frozen=True)
class Rate:
    """One rate: ``numerator`` ÷ ``denominators[family]`` for each family that defines it."""

    key: str
    label: str
    numerator: str
    denominators: Mapping[str, str]
    note: str = ""
    #: what a family's definition leaves out or how it differs from Braze's dashboard
    family_notes: Mapping[str, str] = field(default_factory=dict)

    def defined_for(self, family: str) -> bool:
        return family in self.denominators

    def sentence(self, family: str) -> str | None:
        """ "unique opens ÷ deliveries" for one family; None where the rate is not defined."""
        if family not in self.denominators:
            return None
        return f"{_words(family, self.numerator)} ÷ {_words(family, self.denominators[family])}"

    @property
    def undefined(self) -> tuple[str, ...]:
        """The known message families without this rate (none for a Canvas rate)."""
        if not set(self.denominators) & set(FAMILIES):
            return ()
        return tuple(f for f in FAMILIES if f not in self.denominators and f != "other")

    def definitions(self) -> list[tuple[str, str]]:
        """(families, sentence) with families that share a sentence named together, and
        "Every channel" when all message families do."""
        grouped: dict[str, list[str]] = {}
        for family in FAMILIES_WITH_CANVAS:
            sentence = self.sentence(family)
            if sentence is not None:
                grouped.setdefault(sentence, []).append(family)
        out = []
        for sentence, families in grouped.items():
            names = (
                "Every channel"
                if set(families) == set(FAMILIES)
                else ", ".join(FAMILIES_WITH_CANVAS[f] for f in families)
            )
            out.append((names, sentence))
        return out

    def help(self) -> str:
        """The tooltip: every family's definition, what has none, and the note."""
        parts = [f"{names}: {sentence}" for names, sentence in self.definitions()]
        text = f"{self.label} = " + "; ".join(parts) + "."
        if self.undefined:
            text += " Not defined for " + ", ".join(FAMILIES[f] for f in self.undefined) + "."
        for family, family_note in self.family_notes.items():
            text += f" {FAMILIES_WITH_CANVAS[family]}: {family_note}"
        if self.key in ENGAGEMENT_RATE_KEYS:
            text += (
                " Over several channels, numerators and denominators are each summed over "
                "the channels that define the rate; channels the dashboard does not know "
                "are left out."
            )
        return text + (f" {self.note}" if self.note else "")


_ALL = tuple(FAMILIES)
_CAMPAIGN_WORDS = {
    "conversions": "primary conversions (A)",
    "unique_recipients": "daily unique recipients, summed",
    "entries": "entries",
    "canvas_conversions": "conversions",
}


def _words(family: str, concept: str) -> str:
    words = COUNTS.get(family, {}).get(concept) or _CAMPAIGN_WORDS[concept]
    return f"({words})" if " − " in words else words


DELIVERY_RATE = Rate(
    "delivery_rate",
    "Delivery rate",
    "delivered",
    dict.fromkeys(("email", "push", "sms", "whats_app", "webhook"), "sent"),
    "Push deliveries are sends − bounces where Braze reports no deliveries.",
)
OPEN_RATE = Rate(
    "open_rate",
    "Open rate",
    "opens",
    {"email": "delivered", "push": "delivered", "whats_app": "sent"},
    "WhatsApp's is Braze's read rate.",
)
CLICK_RATE = Rate(
    "click_rate",
    "Click rate",
    "clicks",
    {
        "email": "delivered",
        "push": "delivered",
        "sms": "delivered",
        "in_app": "opens",
        "content_cards": "opens",
    },
)
CONVERSION_RATE = Rate(
    "conversion_rate",
    "Conversion rate",
    "conversions",
    dict.fromkeys(_ALL, "unique_recipients"),
    "Braze totals both per campaign (or per variation), not per channel.",
    {
        # Braze's campaign analytics export: in-app messages carry impressions (every view),
        # clicks, button clicks, unique_recipients and conversions, but no unique impressions.
        "in_app": "Braze's own dashboard divides conversions by unique impressions. The "
        "export reports in-app impressions only as a total (a person who sees a message twice "
        "counts twice) and no unique impressions, so this rate divides by the daily unique "
        "recipients Braze reports, summed, as for every channel; it can differ from the "
        "dashboard's.",
    },
)
CANVAS_CONVERSION_RATE = Rate(
    "conversion_rate",
    "Conversion rate",
    "canvas_conversions",
    {"canvas": "entries"},
    "Both as Braze totals them for the Canvas (or the variant).",
)

#: The rates of messages, in the order pages show them.
RATES: tuple[Rate, ...] = (DELIVERY_RATE, OPEN_RATE, CLICK_RATE, CONVERSION_RATE)
RATE_KEYS: tuple[str, ...] = tuple(r.key for r in RATES)
ENGAGEMENT_RATES: tuple[Rate, ...] = (DELIVERY_RATE, OPEN_RATE, CLICK_RATE)
ENGAGEMENT_RATE_KEYS: frozenset[str] = frozenset(r.key for r in ENGAGEMENT_RATES)
BY_KEY: Mapping[str, Rate] = {r.key: r for r in RATES}

# ---- News Feed cards ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardRate:
    """A News Feed card rate: ``numerator`` ÷ ``denominator``, both counts Braze's card
    series reports per day (or hour): clicks, impressions, unique clicks, unique impressions."""

    key: str
    label: str
    numerator: str
    denominator: str
    note: str = ""

    @property
    def sentence(self) -> str:
        return f"{self.numerator} ÷ {self.denominator}"

    def help(self) -> str:
        return f"{self.label} = {self.sentence}." + (f" {self.note}" if self.note else "")

    def of(self, frame: pd.DataFrame) -> pd.Series:
        """The rate per row of a frame with the two count columns (NA where the denominator
        is not > 0)."""
        top = pd.to_numeric(frame[self.numerator.replace(" ", "_")], errors="coerce")
        bottom = pd.to_numeric(frame[self.denominator.replace(" ", "_")], errors="coerce")
        return top.astype("float64") / bottom.astype("float64").where(bottom > 0)


#: Braze's News Feed card analytics report clicks and impressions (each also unique) per day
#: or hour; no rate. Ours: clicks per impression, over the same card, range and unit.
CARD_CTR = CardRate(
    "ctr",
    "Click-through rate",
    "clicks",
    "impressions",
    "Both as Braze counts them for the card (every click and every impression), summed over "
    "the range.",
)
CARD_UNIQUE_CTR = CardRate(
    "unique_ctr",
    "Unique click-through rate",
    "unique clicks",
    "unique impressions",
    "Braze counts unique clicks and impressions per day (or hour), so over a range both are "
    "sums of daily uniques: a person counts once per day.",
)
CARD_RATES: tuple[CardRate, ...] = (CARD_CTR, CARD_UNIQUE_CTR)

# ---- revenue: two measures with one word ----------------------------------------------------


@dataclass(frozen=True)
class RevenueMeasure:
    """A kind of revenue: what totals and charts call it (``label``), table headers and the
    narrow cards of one campaign or Canvas (``short``, the help then names it in full),
    CSV headers (``column``, then the currency: ``purchase_revenue_usd``) and what it counts."""

    column: str
    label: str
    short: str
    counts: str  # what it adds up, one sentence

    @property
    def help(self) -> str:
        return f"{self.label}: {self.counts} {_WHY_THEY_DIFFER}"

    def csv_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with its ``revenue`` columns named after this measure (``revenue`` →
        ``purchase_revenue``, ``revenue_change`` → ``purchase_revenue_change``)."""
        renames = {
            name: self.column + str(name)[len("revenue") :]
            for name in frame.columns
            if str(name) == "revenue"
            or str(name).startswith(("revenue_previous", "revenue_change"))
        }
        return frame.rename(columns=renames) if renames else frame


_WHY_THEY_DIFFER = (
    "Purchase revenue (Revenue page) counts every purchase; campaign- and Canvas-attributed "
    "revenue count only the purchases Braze credits to a message, and one purchase can be "
    "credited to several campaigns and Canvases, so attributed figures are not a share of "
    "purchase revenue and do not add up to it."
)
PURCHASE_REVENUE = RevenueMeasure(
    "purchase_revenue",
    "Purchase revenue",
    "Purchase revenue",
    "money from every purchase Braze logged in the range (all products, or the product "
    "shown), whatever led to it.",
)
CAMPAIGN_REVENUE = RevenueMeasure(
    "campaign_attributed_revenue",
    "Campaign-attributed revenue",
    "Attributed revenue",
    "revenue Braze credits to the campaign, from purchases by its recipients within the "
    "campaign's primary conversion window.",
)
CANVAS_REVENUE = RevenueMeasure(
    "canvas_attributed_revenue",
    "Canvas-attributed revenue",
    "Attributed revenue",
    "revenue Braze credits to the Canvas, from purchases by users who entered it, within "
    "its conversion windows.",
)

# ---- unique recipients --------------------------------------------------------------------

#: Braze counts unique recipients per day; a sum over days is not unique over the range.
UNIQUES_LABEL = "Daily unique recipients, summed"
#: The same on cards and column headers, short enough for a row of four cards at 1280 px.
UNIQUES_CARD_LABEL = "Sum of daily uniques"
UNIQUES_HELP = (
    "Daily unique recipients, summed. Braze counts unique recipients per day; this adds the days up, so a person reached on "
    "three days counts three times. It can exceed Sent: in-app messages and Content Cards "
    "reach people without a send, and a control group is counted without a message."
)


def uniques_note(unique_recipients: float | None, sent: float | None) -> str | None:
    """The sentence a total needs when summed daily uniques exceed the sends beside them."""
    if unique_recipients is None or pd.isna(unique_recipients):
        return None
    if sent is not None and not pd.isna(sent) and unique_recipients <= sent:
        return None
    return (
        f"{UNIQUES_CARD_LABEL} ({UNIQUES_LABEL.lower()}) is above Sent: in-app messages and Content Cards reach people "
        "without a send, control groups count without a message, and a person counts once "
        "per day reached."
    )


# ---- computing ---------------------------------------------------------------------------

KindSums = Mapping[str, Mapping[str, float | None]]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator ÷ denominator; None when either is missing or the denominator is not > 0."""
    if numerator is None or denominator is None:
        return None
    if pd.isna(numerator) or pd.isna(denominator) or denominator <= 0:
        return None
    return float(numerator) / float(denominator)


def kind_sums(engagement: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """``frames.engagement_frame`` output summed per channel kind (None = no value)."""
    out: dict[str, dict[str, float | None]] = {}
    if engagement.empty or "kind" not in engagement:
        return out
    kinds = engagement["kind"].astype("object").to_numpy()
    for kind in dict.fromkeys(kinds.tolist()):
        rows = kinds == kind
        sums: dict[str, float | None] = {}
        for name in COUNT_NAMES:
            if name not in engagement:
                sums[name] = None
                continue
            values = engagement[name][rows].to_numpy(dtype="float64", na_value=np.nan)
            values = values[~np.isnan(values)]
            sums[name] = float(values.sum()) if len(values) else None
        out[str(kind)] = sums
    return out


def from_kind_tuples(by_kind: Mapping[str, Iterable[int | float | None]]) -> KindSums:
    """``frames.campaign_range_kind_sums`` output as kind sums."""
    return {
        kind: {n: None if v is None else float(v) for n, v in zip(COUNT_NAMES, values, strict=True)}
        for kind, values in by_kind.items()
    }


def rate_parts(rate: Rate, sums: KindSums) -> tuple[float | None, float | None]:
    """(numerator, denominator) of an engagement rate over every family that defines it."""
    top: float | None = None
    bottom: float | None = None
    for family, counts in sums.items():
        if family not in rate.denominators:
            continue
        a, b = counts.get(rate.numerator), counts.get(rate.denominators[family])
        if a is None or b is None:
            continue
        top = a if top is None else top + a
        bottom = b if bottom is None else bottom + b
    return top, bottom


def delivered_total(sums: KindSums) -> float | None:
    """Delivered as cards and tables show it: the delivery rate's numerator."""
    return rate_parts(DELIVERY_RATE, sums)[0]


def summary(sums: KindSums, conversions: float | None, unique_recipients: float | None) -> dict:
    """Every rate of one set of messages (a campaign, a leaderboard's rows, a send) with the
    numerator and denominator it came from (``<rate>_numerator`` / ``_denominator``)."""
    out: dict[str, float | None] = {}
    for rate in ENGAGEMENT_RATES:
        top, bottom = rate_parts(rate, sums)
        out[f"{rate.key}_numerator"], out[f"{rate.key}_denominator"] = top, bottom
        out[rate.key] = ratio(top, bottom)
    out["conversion_rate_numerator"] = conversions
    out["conversion_rate_denominator"] = unique_recipients
    out["conversion_rate"] = ratio(conversions, unique_recipients)
    return out


#: The part columns ``summary`` adds (summed across rows, they give a total's rates).
PART_COLUMNS: tuple[str, ...] = tuple(
    f"{r.key}_{side}" for r in RATES for side in ("numerator", "denominator")
)


def summary_of_parts(row: Mapping[str, Any]) -> dict[str, float | None]:
    """The rates of a row that carries PART_COLUMNS (e.g. sums over leaderboard rows)."""
    return {
        r.key: ratio(row.get(f"{r.key}_numerator"), row.get(f"{r.key}_denominator")) for r in RATES
    }


def row_rates(engagement: pd.DataFrame, conversions: Any, unique_recipients: Any) -> pd.DataFrame:
    """Per row of an engagement frame (``kind`` + the counts): every rate, by the row's kind
    (NA where its family does not define the rate or the denominator is not > 0)."""
    n = len(engagement)
    kinds = (
        engagement["kind"].astype("object").to_numpy()
        if "kind" in engagement
        else np.full(n, "other", dtype=object)
    )

    def column(values: Any) -> np.ndarray:
        if values is None:
            return np.full(n, np.nan)
        return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )

    counts = {name: column(engagement.get(name)) for name in COUNT_NAMES}
    out = pd.DataFrame(index=engagement.index)
    for rate in ENGAGEMENT_RATES:
        top = np.full(n, np.nan)
        bottom = np.full(n, np.nan)
        for family, denominator in rate.denominators.items():
            rows = kinds == family
            top[rows] = counts[rate.numerator][rows]
            bottom[rows] = counts[denominator][rows]
        out[rate.key] = _divide(top, bottom)
    conv = column(conversions)
    recipients = column(unique_recipients)
    rated = np.isin(kinds, list(CONVERSION_RATE.denominators))
    out["conversion_rate"] = _divide(np.where(rated, conv, np.nan), recipients)
    return out


def _divide(top: np.ndarray, bottom: np.ndarray) -> pd.Series:
    ok = ~np.isnan(top) & ~np.isnan(bottom) & (bottom > 0)
    values = np.full(len(top), np.nan)
    values[ok] = top[ok] / bottom[ok]
    return pd.Series(values, dtype="float64").astype("Float64")


def canvas_conversion_rate(conversions: Any, entries: Any) -> Any:
    """Canvas (or variant) conversion rate: conversions ÷ entries; a column or one number."""
    if isinstance(conversions, pd.Series):
        bottom = pd.to_numeric(entries, errors="coerce").astype("float64")
        top = pd.to_numeric(conversions, errors="coerce").astype("float64")
        return top / bottom.where(bottom > 0)
    return ratio(conversions, entries)


# ---- coverage ----------------------------------------------------------------------------


def sent_without_deliveries(sums: KindSums) -> float:
    """Sends of families whose Delivered is not counted (Content Cards, unknown channels)."""
    total = 0.0
    for family, counts in sums.items():
        sent = counts.get("sent")
        if sent and family not in DELIVERY_RATE.denominators:
            total += sent
    return total


def channels_without_deliveries(channels: Iterable[Any]) -> list[str]:
    """The channel keys among ``channels`` that count in Sent but never in Delivered."""
    return [
        str(c)
        for c in channels
        if channel_kind(c) not in DELIVERY_RATE.denominators
        and "sent" in COUNTS.get(channel_kind(c), {})
    ]


# ---- formatting and docs -----------------------------------------------------------------


def format_rate(value: float | None) -> str:
    """How every rate reads on a page: ``display.percent_text`` (one decimal), '—' when
    undefined."""
    return percent_text(value)


def shown_rates(table: pd.DataFrame) -> pd.DataFrame:
    """A table for display with its rate columns rounded as ``format_rate`` writes them, so a
    table cell and a card or chart label never differ in the last digit (CSVs keep full
    precision)."""
    names = [c for c in table.columns if c in {*RATE_KEYS, "ctr"}]
    if not names:
        return table
    out = table.copy()
    for name in names:
        values = pd.to_numeric(out[name], errors="coerce").astype("float64").tolist()
        written = [format_rate(v) for v in values]  # the very digits a card shows
        out[name] = pd.array([_shown_number(w) for w in written], dtype="Float64")
    return out


def _shown_number(written: str) -> float | None:
    if written == "—":
        return None
    return 0.0 if written.startswith("<") else float(written.rstrip("%")) / 100


def count_help(name: str) -> str:
    """What a count column adds up, per family ("Opens: Email unique opens; Push ...")."""
    parts = [f"{FAMILIES[f]}: {c[name]}" for f, c in COUNTS.items() if name in c and f != "other"]
    return "; ".join(parts) + "."


def readme_section() -> str:
    """The README's "Metric definitions" section, one line per rate per channel family."""
    lines = [
        "## Metric definitions",
        "",
        "Every page computes rates from `dashboard/metrics.py`, so a rate reads the same "
        "everywhere (cards, funnel, tables, charts, CSVs). Over several channels, each rate "
        "sums its numerator and its denominator over the channels that define it.",
        "",
    ]
    for rate in (*RATES, CANVAS_CONVERSION_RATE):
        for names, sentence in rate.definitions():
            lines.append(f"- **{rate.label}**, {names}: {sentence}")
        if rate.undefined:
            lines.append(
                f"- **{rate.label}** is not defined for "
                + ", ".join(FAMILIES[f] for f in rate.undefined)
            )
    for rate in (*RATES, CANVAS_CONVERSION_RATE):
        for family, family_note in rate.family_notes.items():
            lines.append(f"- **{rate.label}**, {FAMILIES_WITH_CANVAS[family]}: {family_note}")
    for card_rate in CARD_RATES:
        lines.append(f"- **{card_rate.label}**, News Feed cards: {card_rate.sentence}")
    for measure in (PURCHASE_REVENUE, CAMPAIGN_REVENUE, CANVAS_REVENUE):
        lines.append(
            f"- **{measure.label}** (`{measure.column}_<currency>` in CSVs): {measure.counts}"
        )
    lines.append(f"- {_WHY_THEY_DIFFER}")
    lines += [
        f"- **{UNIQUES_LABEL}**: Braze counts unique recipients per day; totals add the "
        "days up (a person reached on three days counts three times), so they can exceed Sent",
        "- Channels the dashboard does not know count in Sent, Opens and Clicks but in no "
        "rate and not in Delivered",
        "",
    ]
    return "\n".join(lines)
