"""Display conventions every page shares (issue 17), in one place.

- ``MISSING`` ("—") stands for a missing value in tables (``show_table``) and cards.
- Channels read as people say them: ``label_channels`` maps any ``channel`` column through
  ``channel_label``, so raw keys (``trigger_in_app_message``, ``whats_app``) never show.
- Money is in US dollars: Braze reports every amount (purchase, campaign- and Canvas-attributed
  revenue, a user's total revenue) in USD, converting purchases logged in another currency on
  the day they were logged. ``configured_currency`` is therefore USD; a ``DASHBOARD_CURRENCY``
  (env) or ``[dashboard] currency`` (secrets) setting of another code is not applied (it would
  relabel dollars), and the sidebar says so (``currency_problem``). Cards (``money_text``), axes
  (``charts.vega.money_y``), table columns (``money_column``) and CSV headers all name the currency.
- CSVs (``csv_frame``): whole-number columns as integers, money rounded to the currency's
  minor unit in columns named ``<name>_<currency>``, ratios as percentages in columns named
  ``<name>_pct``, channel names human.
- Percent axes (``percent_tickformat``) get enough decimals that their ticks differ.
- A moment (created, edited, first and last sent or entry, published) reads the same on every
  page: "04 Aug 2026, 20:00 UTC" (``moment_text``). The sidebar's timezone is for hourly charts.
- Percentages, one rule (``PERCENT_DECIMALS``): one decimal for values (``percent_text``,
  ``percent_column``) and changes (``delta_text``, ``change_column``, signed); a change that
  rounds to zero is shown neutral (``delta_text`` / ``delta_colour``).

Everything here but ``show_table`` and ``configured_currency`` is pure.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from dashboard.data.channels import channel_label

MISSING = "—"

# ---- currency ------------------------------------------------------------------------------

#: Active ISO 4217 codes (what ``DASHBOARD_CURRENCY`` may name).
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()  # noqa: SIM905
)
_SYMBOLS: Mapping[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "KRW": "₩",
    "BRL": "R$",
    "CAD": "CA$",
    "AUD": "A$",
    "MXN": "MX$",
    "ILS": "₪",
    "VND": "₫",
    "PHP": "₱",
    "NGN": "₦",
    "TRY": "₺",
}
_ZERO_DECIMALS = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905
)
_THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
#: The formats st.column_config.NumberColumn draws with the currency's own sign.
_COLUMN_FORMATS: Mapping[str, str] = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}


@dataclass(frozen=True)
class Currency:
    code: str  # ISO 4217, e.g. "USD"

    @property
    def symbol(self) -> str:
        """ "$" for USD; a code without a well-known sign is written before the number ("CHF ")."""
        return _SYMBOLS.get(self.code, f"{self.code} ")

    @property
    def decimals(self) -> int:
        """The currency's minor unit: 2 (cents), 0 for JPY/KRW…, 3 for KWD/BHD…."""
        if self.code in _ZERO_DECIMALS:
            return 0
        return 3 if self.code in _THREE_DECIMALS else 2


USD = Currency("USD")


def parse_currency(text: object) -> Currency:
    """An ISO 4217 code ("usd", " EUR ") as a ``Currency``; anything else is a ``ValueError``."""
    code = str(text or "").strip().upper()
    if code not in ISO_4217:
        raise ValueError(
            f"DASHBOARD_CURRENCY must be an ISO 4217 currency code such as USD, EUR or GBP; "
            f"got {str(text)[:20]!r}"
        )
    return Currency(code)


def currency_setting(secrets: Mapping[str, Any], env: Mapping[str, str]) -> object:
    """The raw setting: ``[dashboard] currency`` in secrets wins over ``DASHBOARD_CURRENCY``."""
    section = secrets.get("dashboard")
    if isinstance(section, Mapping) and section.get("currency"):
        return section["currency"]
    return env.get("DASHBOARD_CURRENCY") or "USD"


def currency_from_config(secrets: Mapping[str, Any], env: Mapping[str, str]) -> Currency:
    """The configured currency; raises ``ValueError`` for a setting that is not ISO 4217."""
    return parse_currency(currency_setting(secrets, env))


BRAZE_REPORTS_USD = (
    "Braze reports revenue in US dollars (it converts purchases logged in other currencies), "
    "so amounts are shown in USD."
)


def currency_problem(secrets: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """Why a currency setting is not applied (amounts are always labelled USD), or None."""
    try:
        currency = currency_from_config(secrets, env)
    except ValueError as err:
        return f"{err}. {BRAZE_REPORTS_USD}"
    if currency != USD:
        return f"{BRAZE_REPORTS_USD} The currency setting ({currency.code}) is not applied."
    return None


def _server_secrets() -> Mapping[str, Any]:
    try:
        import streamlit as st

        return dict(st.secrets)
    except Exception:  # no secrets.toml is the normal case
        return {}


def configured_currency() -> Currency:
    """The currency of Braze's amounts: USD, whatever the server sets (Braze converts; a
    setting of another code would relabel dollars; the sidebar names it)."""
    return USD


def configured_currency_problem() -> str | None:
    """``currency_problem`` for the server's configuration (the sidebar shows it)."""
    return currency_problem(_server_secrets(), os.environ)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def compact(value: float) -> str:
    """9,999 stays whole; 26,284 → "26.3K"; 6,587,660 → "6.59M"."""
    if abs(value) < 10_000:
        return f"{value:,.0f}"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            scaled = value / size
            return f"{scaled:,.3g}{suffix}" if abs(scaled) < 1000 else f"{scaled:,.0f}{suffix}"
    return f"{value:,.0f}"


def money_text(value: float | None, currency: Currency = USD, *, short: bool = False) -> str:
    """An amount with its sign: "$1,229,843.19", or ``short`` "$1.23M"; "—" for none."""
    if _missing(value):
        return MISSING
    assert value is not None
    amount = float(value)
    sign = "-" if amount < 0 else ""
    body = compact(abs(amount)) if short else f"{abs(amount):,.{currency.decimals}f}"
    return f"{sign}{currency.symbol}{body}"


def money_title(what: str, currency: Currency = USD) -> str:
    """An axis, column or card title with the unit: "Revenue (USD)"."""
    return f"{what} ({currency.code})"


def money_format(currency: Currency = USD) -> str:
    """The ``NumberColumn`` format for amounts: "dollar", "euro", "yen", else "localized"."""
    return _COLUMN_FORMATS.get(currency.code, "localized")


def money_column(label: str, currency: Currency = USD, **kwargs: Any) -> Any:
    """A table column for amounts: the currency's sign where Streamlit has it, the code in the header."""
    import streamlit as st

    return st.column_config.NumberColumn(
        money_title(label, currency), format=money_format(currency), **kwargs
    )


# ---- percents: values and changes, one rule ---------------------------------------------

#: Every percentage a page shows (a rate, a share, a change) has one decimal: "30.7%",
#: "0.4%", "+5.3%", "-1.3%". Changes carry their sign; a change that rounds to zero reads
#: "0.0%" and is neutral (grey, no arrow) on cards. CSVs keep the numbers (``*_pct``).
PERCENT_DECIMALS = 1
#: ``NumberColumn(format="percent", step=PERCENT_STEP)`` draws a ratio with exactly
#: ``PERCENT_DECIMALS`` decimals (Streamlit shows ``step``'s decimals minus two).
PERCENT_STEP = 0.001
#: The table format of a change: a signed percentage of a value ``show_table`` scales by 100.
CHANGE_FORMAT = f"%+.{PERCENT_DECIMALS}f%%"
#: The d3 format of a ratio in chart tooltips and labels (".1%": 0.307 → "30.7%").
PERCENT_HOVER = f".{PERCENT_DECIMALS}%"


def moment_text(stamp: object) -> str:
    """A point in time as every page writes it, in UTC: "04 Aug 2026, 20:00 UTC"; "—" for
    none. A time without a zone is read as UTC (Braze's times are)."""
    if _missing(stamp):
        return MISSING
    when = pd.Timestamp(stamp)  # type: ignore[arg-type]
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    return f"{when:%d %b %Y, %H:%M} UTC"


def percent_text(value: float | None) -> str:
    """A ratio as every card, caption and label writes it: 0.30712 → "30.7%", 0.0003 → "<0.1%"
    (tables, numeric, show 0.0%); "—" for none."""
    if _missing(value):
        return MISSING
    assert value is not None
    number = float(value)
    if _rounds_to_zero(number):
        # 0.03% of deliveries is not nothing: a non-zero share too small to show says so
        return "0.0%" if number == 0 else f"<{10**-PERCENT_DECIMALS:.{PERCENT_DECIMALS}f}%"
    return f"{number:.{PERCENT_DECIMALS}%}"


def _rounds_to_zero(value: float) -> bool:
    return round(abs(value) * 100, PERCENT_DECIMALS) == 0


def delta_text(change: float | None, decimals: int = PERCENT_DECIMALS) -> str | None:
    """A relative change as a card shows it ("+12.3%"); a change that rounds to zero is "0.0%"."""
    if _missing(change):
        return None
    assert change is not None
    if round(abs(change) * 100, decimals) == 0:
        return f"{0:.{decimals}f}%"
    return f"{change:+.{decimals}%}"


def delta_colour(
    change: float | None, *, lower_is_better: bool = False, decimals: int = PERCENT_DECIMALS
) -> Literal["normal", "inverse", "off"]:
    """Green/red only for a change that shows as non-zero; grey ("off") when it rounds to 0."""
    text = delta_text(change, decimals)
    if text is None or not text.startswith(("+", "-")):
        return "off"
    return "inverse" if lower_is_better else "normal"


def delta_arrow(change: float | None, decimals: int = PERCENT_DECIMALS) -> Literal["auto", "off"]:
    """No arrow for a change that rounds to zero (an arrow would claim a direction)."""
    return "off" if delta_colour(change, decimals=decimals) == "off" else "auto"


def percent_column(label: str, **kwargs: Any) -> Any:
    """A table column of ratios (0.307) drawn as the cards write them ("30.7%")."""
    import streamlit as st

    return st.column_config.NumberColumn(label, format="percent", step=PERCENT_STEP, **kwargs)


def change_column(label: str, **kwargs: Any) -> Any:
    """A table column of relative changes (0.053) drawn as cards' deltas ("+5.3%");
    ``show_table`` scales the values to percents for it (sorting stays numeric)."""
    import streamlit as st

    return st.column_config.NumberColumn(label, format=CHANGE_FORMAT, **kwargs)


def _column_format(config: object) -> object:
    if isinstance(config, Mapping):
        type_config = config.get("type_config")
        if isinstance(type_config, Mapping):
            return type_config.get("format")
    return None


def percent_display(
    frame: pd.DataFrame, column_config: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame and column config as ``show_table`` draws them, every percent column on the
    one rule (pure: copies, the inputs are not changed).

    A ``"percent"`` column is rounded as ``percent_text`` writes it (Streamlit truncates to the
    step's decimals) and given ``PERCENT_STEP``; a ``CHANGE_FORMAT`` column is scaled to
    percents, rounded as ``delta_text`` writes it.
    """
    out, config = frame, dict(column_config)
    for name, column in column_config.items():
        form = _column_format(column)
        if name not in frame.columns or form not in ("percent", CHANGE_FORMAT):
            continue
        if out is frame:
            out = frame.copy()
        values = pd.to_numeric(out[name], errors="coerce").astype("float64")
        if form == "percent":
            config[name] = {
                **column,
                "type_config": {**column["type_config"], "step": PERCENT_STEP},
            }
            out[name] = _rounded(values, 1)
        else:
            out[name] = _rounded(values, 100)
    return out, config


def _rounded(values: pd.Series, scale: int) -> pd.Series:
    """Ratios as the very digits ``percent_text`` / ``delta_text`` write (a change that rounds
    to zero is 0, never "-0.0"): divided by 100 for ``scale`` 1, percents for ``scale`` 100."""
    out: list[float | None] = []
    for value in values.tolist():
        if pd.isna(value):
            out.append(None)
            continue
        text = (delta_text(value) if scale == 100 else percent_text(value)) or "0%"
        number = 0.0 if text.startswith("<") else float(text.rstrip("%"))
        out.append(number if scale == 100 else number / 100)
    return pd.Series(pd.array(out, dtype="Float64"), index=values.index)


# ---- percent axes ---------------------------------------------------------------------------


def nice_step(span: float, ticks: int = 5) -> float:
    """Plotly's own idea of a tick step for ``span`` over about ``ticks`` ticks (1, 2, 5 × 10ⁿ)."""
    if span <= 0 or not math.isfinite(span):
        return 0.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def percent_tickformat(values: Sequence[float] | pd.Series, *, from_zero: bool = True) -> str:
    """A d3 tickformat for ratios (0.021 = 2.1%) whose ticks never read alike ("2%, 2%")."""
    data = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").dropna()
    if data.empty:
        return ".0%"
    low = min(0.0, float(data.min())) if from_zero else float(data.min())
    step = nice_step(float(data.max()) - low)
    if step <= 0:
        return ".1%"
    decimals = max(0, -math.floor(math.log10(step * 100) + 1e-9))
    return f".{min(decimals, 4)}%"


# ---- tables ---------------------------------------------------------------------------------

#: Columns holding Braze channel keys: one (``channel``) or a comma-joined list (``channels``).
CHANNEL_COLUMNS = ("channel", "channels", "channels_text")


def label_channels(frame: pd.DataFrame, columns: Sequence[str] = CHANNEL_COLUMNS) -> pd.DataFrame:
    """The frame with each channel column read through ``channel_label`` (lists joined by ", ")."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    out = frame.copy()
    for name in present:
        out[name] = out[name].map(_channel_cell).astype("string")
    return out


def _channel_cell(value: object) -> object:
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(channel_label(v) for v in value)
    if _missing(value) or value == "":
        return pd.NA
    return channel_list_text(str(value))


def channel_list_text(channels: object) -> str:
    """ "email, ios_push" (or a list of keys) as "Email, iOS push"."""
    if isinstance(channels, str):
        parts: Sequence[object] = [c for c in channels.split(",") if c.strip()]
    elif isinstance(channels, list | tuple | np.ndarray):
        parts = list(channels)
    else:
        return MISSING
    return ", ".join(dict.fromkeys(_human(str(c).strip()) for c in parts)) or MISSING


def _human(channel: str) -> str:
    """A Braze key (lower-case, no spaces) through ``channel_label``; a name already human stays."""
    if any(ch.isupper() or ch == " " for ch in channel):
        return channel
    return channel_label(channel)


def show_table(data: pd.DataFrame | Sequence[Mapping[str, Any]], **kwargs: Any) -> Any:
    """``st.dataframe`` with the house conventions: "—" for missing cells, human channels,
    percent columns on the one rule (``percent_display``).

    Takes ``st.dataframe``'s keywords and returns what it returns (the selection state).
    """
    import streamlit as st

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data))
    config = kwargs.get("column_config")
    if isinstance(config, Mapping):
        frame, kwargs["column_config"] = percent_display(frame, config)
    kwargs.setdefault("placeholder", MISSING)
    kwargs.setdefault("hide_index", True)
    return st.dataframe(label_channels(frame), **kwargs)


# ---- CSV ------------------------------------------------------------------------------------

_MONEY_WORDS = ("revenue", "price", "amount", "spend", "money")
_RATE_NAMES = frozenset({"stickiness", "dau_mau_ratio", "share", "rate"})


def is_money_column(name: str) -> bool:
    lowered = name.lower()
    return (
        any(word in lowered for word in _MONEY_WORDS)
        and not is_rate_column(name)
        and not is_change_column(name)
    )


def is_change_column(name: str) -> bool:
    """Relative changes (0.053 = +5.3%) by name: ``revenue_change``, ``relative_change``
    (a bare ``change`` is a difference in the column's own unit)."""
    lowered = name.lower()
    return lowered == "relative_change" or lowered.endswith("_change")


def is_rate_column(name: str) -> bool:
    """Ratios (0–1) by name: ``open_rate``, ``share_of_revenue``, ``dau_mau_ratio``, ``stickiness``."""
    lowered = name.lower()
    return (
        lowered in _RATE_NAMES
        or lowered.endswith(("_rate", "_ratio", "_share"))
        or lowered.startswith("share_of_")
    )


def csv_frame(frame: pd.DataFrame, currency: Currency = USD) -> pd.DataFrame:
    """The frame as a CSV should carry it (pure; the input is not changed).

    - a float column holding whole numbers only (counts) becomes integers (``1521357``);
    - money columns (by name: revenue, price…) are rounded to the currency's minor unit and
      named with it (``revenue_usd``);
    - ratio columns (``open_rate`` 0.307) and relative changes (``revenue_change`` 0.053) become
      percentages named ``open_rate_pct`` (30.7), ``revenue_change_pct`` (5.3);
    - other floats lose float noise (rounded to 10 decimals);
    - ``channel`` columns carry human names.
    """
    out = label_channels(frame)
    if out is frame:
        out = frame.copy()
    renames: dict[object, str] = {}
    for name in list(out.columns):
        column = out[name]
        if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(
            column.dtype
        ):
            continue
        text = str(name)
        values = pd.to_numeric(column, errors="coerce").astype("float64")
        if is_rate_column(text) or is_change_column(text):
            out[name] = (values * 100).round(2)
            renames[name] = f"{text}_pct"
        elif is_money_column(text):
            out[name] = values.round(currency.decimals)
            if currency.decimals == 0:
                out[name] = _as_integers(out[name])
            unit = currency.code.lower()
            if not text.lower().endswith(f"_{unit}"):
                renames[name] = f"{text}_{unit}"  # the header carries the unit: revenue_usd
        elif pd.api.types.is_integer_dtype(column.dtype):
            continue
        elif _whole(values):
            out[name] = _as_integers(values)
        else:
            out[name] = values.round(10)  # vectorised: drops float noise (0.30000000000000004)
    return out.rename(columns=renames)


def _whole(values: pd.Series) -> bool:
    finite = values.dropna()
    finite = finite[np.isfinite(finite)]
    return len(finite) == len(values.dropna()) and bool((finite == finite.round()).all())


def _as_integers(values: pd.Series) -> pd.Series:
    return values.round().astype("Int64")
