"""Campaign chart builders: frame in, Vega-Lite spec out (no I/O)."""

from __future__ import annotations

import pandas as pd

from dashboard.charts import campaigns as charts
from dashboard.charts import vega
from dashboard.charts.common import PALETTE
from dashboard.data import campaigns as data
from dashboard.display import PERCENT_HOVER
from tests.vega_specs import (
    axis_format,
    axis_title,
    data_of,
    layers,
    mark_type,
    schema_errors,
    texts,
    tooltips,
)

BODY = {
    "data": [
        {
            "time": day,
            "messages": {
                "email": [
                    {"sent": 100 + i, "delivered": 90, "unique_opens": 30, "unique_clicks": 5}
                ],
                "<b>pigeon</b>": [{"sent": 3}],
                "ios_push": [
                    {"variation_name": "Variant 1", "sent": 50, "direct_opens": 4},
                    {"variation_name": "Control", "enrolled": 10, "unique_recipients": 9},
                ],
            },
            "conversions": 7 + i,
            "conversions_by_send_time": 6,
            "unique_recipients": 150,
            "revenue": 12.5,
        }
        for i, day in enumerate(["2024-03-01", "2024-03-02"])
    ]
}


def _series_values(spec: vega.Spec, name: str) -> list[float]:
    frame = data_of(spec)
    return frame.loc[frame["series"] == name, "value"].tolist()


def test_daily_figures_have_one_series_per_channel_and_raw_names() -> None:
    series = data.series_from_body(BODY)
    daily = data.daily_channel_frame(series.long)
    spec = charts.channel_lines_figure(daily, "sent", "Messages sent per day", "messages")
    layer, points = layers(spec)
    assert mark_type(layer) == "line" and mark_type(points) == "point"
    assert tooltips(points) == tooltips(layer)  # the nearest point names its day's value
    assert points["params"][0]["select"]["nearest"] is True
    names = sorted(data_of(spec)["series"].unique())
    # human channel names; an unknown channel keeps its own name, as data (never escaped)
    assert names == ["<b>pigeon</b>", "Email", "iOS push"]
    assert not any("&lt;" in t for t in texts(spec))
    assert _series_values(spec, "Email") == [100, 101]
    assert data_of(spec)["day"].unique().tolist() == ["2024-03-01", "2024-03-02"]
    assert axis_title(spec, "y") == "Messages"
    assert axis_title(spec, "x") == "Date (UTC days)"
    assert axis_format(spec, "y") == ",~f"
    colour = layer["encoding"]["color"]
    assert colour["scale"]["domain"] == ["<b>pigeon</b>", "Email", "iOS push"]
    assert colour["scale"]["range"] == list(PALETTE[:3])  # by channel key order, as before
    assert colour["legend"]["orient"] == "top"
    assert [t["title"] for t in tooltips(layer)] == ["Day", "Channel", "Messages"]
    assert not schema_errors(spec)
    opens = charts.opens_clicks_figure(daily)
    assert set(data_of(opens)["series"]) >= {"Email · opens", "Email · clicks", "iOS push · opens"}
    opens_layer, _ = layers(opens)
    dash = opens_layer["encoding"]["strokeDash"]["scale"]
    assert dash["range"][dash["domain"].index("Email · opens")] == charts.DASHES["solid"]
    assert dash["range"][dash["domain"].index("Email · clicks")] == charts.DASHES["dot"]
    assert axis_title(opens, "y") == "Opens / clicks"
    assert not schema_errors(opens)


def test_conversions_stack_by_channel_in_the_channels_colours() -> None:
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-02"]),
            "channel": ["email", "ios_push", "ios_push"],
            "conversions": [3.0, 4.0, 5.0],
        }
    )
    spec = charts.conversions_figure(daily)
    (bars,) = layers(spec)
    assert mark_type(bars) == "bar" and bars["encoding"]["y"]["stack"] == "zero"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["Email", "iOS push"]
    assert bars["encoding"]["color"]["scale"]["range"] == list(PALETTE[:2])
    assert _series_values(spec, "iOS push") == [4.0, 5.0]
    assert axis_title(spec, "y") == "Conversions" and axis_title(spec, "x") == "Date (UTC days)"
    assert [t["title"] for t in tooltips(bars)] == ["Day", "Channel", "Conversions"]
    assert not schema_errors(spec)


def test_variation_funnel_timing_and_revenue() -> None:
    series = data.series_from_body(BODY)
    table = data.variation_table(series.long)
    spec = charts.variation_figure(table)
    bars, labels = layers(spec)
    assert mark_type(bars) == "bar" and mark_type(labels) == "text"
    main = data_of(spec)
    assert len(main) == len(table) == 4  # email, pigeon, Variant 1, Control
    control_index = list(table["is_control"]).index(True)
    assert main["colour"][control_index] == charts.CONTROL_COLOUR
    assert axis_title(spec, "y") == "Conversion rate (%)" and axis_title(spec, "x") == "Variation"
    rate_tip = next(t for t in tooltips(bars) if t["field"] == "value")
    assert rate_tip["format"] == PERCENT_HOVER
    assert not schema_errors(spec)

    funnel = charts.funnel_figure(data.funnel(data.summarise(series)))
    bars, counts = layers(funnel)
    assert mark_type(bars) == "bar" and bars["encoding"]["y"]["field"] == "stage"  # horizontal
    assert data_of(funnel)["value"].tolist()[0] == (100 + 101) + (3 + 3) + (50 + 50)
    stages = data_of(funnel)["stage"].tolist()  # each stage names the rate the cards show for it
    assert (
        stages[0] == "Sent" and stages[1] == "Delivered\n93.0% delivery rate"
    )  # (180 + 100) ÷ (201 + 100)
    assert axis_title(funnel, "y") == "Stage" and axis_title(funnel, "x") == "Messages / users"
    assert not schema_errors(funnel)

    timing = data.conversion_timing(series.totals)
    lines = charts.conversion_timing_figure(timing)
    assert _series_values(lines, "By conversion time") == [7, 8]
    assert _series_values(lines, "By send time") == [6, 6]
    assert not schema_errors(lines)
    revenue = charts.revenue_figure(timing)
    assert data_of(revenue)["value"].tolist() == [12.5, 12.5]
    assert data_of(revenue)["amount"].tolist() == ["$12.50", "$12.50"]
    assert axis_title(revenue, "y") == "Revenue (USD)"
    assert not schema_errors(revenue)


def test_variation_counts_without_recipients() -> None:
    variations = pd.DataFrame(
        {
            "variation_name": ["A", "<b>B</b>"],
            "channel": ["email", "email"],
            "is_control": [False, True],
            "conversion_rate": pd.array([None, None], dtype="Float64"),
            "unique_recipients": pd.array([None, None], dtype="Float64"),
            "conversions": [1200.0, 30.0],
        }
    )
    spec = charts.variation_figure(variations)
    assert spec["title"]["text"].startswith("Conversions (A) by variation")
    assert axis_title(spec, "y") == "Conversions (A)"
    assert data_of(spec)["label"].tolist() == ["1,200", "30"]
    assert data_of(spec)["variation"].tolist() == ["A", "<b>B</b>"]
    assert not schema_errors(spec)


def test_empty_inputs_give_titled_empty_figures() -> None:
    empty = data.series_from_body({})
    daily = data.daily_channel_frame(empty.long)
    for spec in (
        charts.channel_lines_figure(daily, "sent", "Sends", "messages"),
        charts.opens_clicks_figure(daily),
        charts.conversions_figure(daily),
        charts.variation_figure(data.variation_table(empty.long)),
        charts.funnel_figure(data.funnel(data.summarise(empty))),
        charts.conversion_timing_figure(data.conversion_timing(empty.totals)),
        charts.revenue_figure(data.conversion_timing(empty.totals)),
        charts.top_campaigns_figure(data.leaderboard_frame([]), "sent", "Sent"),
    ):
        assert spec["title"]["text"]
        assert vega.is_empty(spec) and data_of(spec)["message"].iloc[0]
        assert not schema_errors(spec)


def test_no_sends_says_where_the_reach_is_on_two_lines() -> None:
    daily = pd.DataFrame(
        {"date": pd.to_datetime(["2024-03-01"]), "channel": ["in_app_message"], "opens": [3.0]}
    )
    spec = charts.channel_lines_figure(daily, "sent", "Messages sent per day", "messages")
    assert vega.is_empty(spec)
    (message,) = data_of(spec)["message"].tolist()
    assert message.startswith("No sent counts") and "\n(in-app messages" in message
    assert spec["mark"]["lineBreak"] == "\n"
    assert not schema_errors(spec)


def test_top_campaigns_largest_first_and_names_raw() -> None:
    board = data.leaderboard_frame(
        [
            {"campaign_id": str(i), "name": f"<i>C{i}</i>", "sent": i * 10, "status": ""}
            for i in range(15)
        ]
        + [{"campaign_id": "long", "name": "L" * 60, "sent": 1, "status": ""}]
    )
    spec = charts.top_campaigns_figure(board, "sent", "Messages sent")
    (layer,) = layers(spec)
    main = data_of(spec)
    assert len(main) == 10
    assert main["campaign"][0] == "<i>C14</i>" and main["value"][0] == 140  # drawn at the top
    assert layer["encoding"]["y"]["sort"] is None
    assert main["value"].is_monotonic_decreasing
    assert not any("&lt;" in t for t in texts(spec))
    assert axis_title(spec, "x") == "Messages sent" and axis_title(spec, "y") == "Campaign"
    assert axis_format(spec, "x") == ",~f"
    assert not schema_errors(spec)
    everything = charts.top_campaigns_figure(board.nsmallest(3, "sent"), "sent", "Messages sent")
    long = data_of(everything).set_index("name").loc["L" * 60, "campaign"]
    assert long == "L" * 39 + "…"  # shortened on the axis, whole in the tooltip


def test_builders_return_a_new_spec_each_call() -> None:
    timing = data.conversion_timing(data.series_from_body(BODY).totals)
    first, second = charts.revenue_figure(timing), charts.revenue_figure(timing)
    assert first == first and first is not second


def test_campaigns_sharing_a_name_keep_a_bar_each() -> None:
    board = pd.DataFrame(
        {
            "campaign_id": ["1", "2", "3"],
            "name": ["Win-back", "Win-back", "Spring"],
            "sent": [9.0, 5, 7],
        }
    )
    spec = charts.top_campaigns_figure(board, "sent", "Messages sent")
    main = data_of(spec)
    assert main["campaign"].is_unique  # two bands: equal names would draw one bar on another
    assert main["name"].tolist() == ["Win-back", "Spring", "Win-back"]
    assert [c.rstrip("\u200b") for c in main["campaign"]] == main["name"].tolist()


def test_variation_labels_slant_only_when_they_would_not_fit() -> None:
    def table(names: list[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "variation_name": names,
                "channel": "email",
                "is_control": [False] * len(names),
                "conversion_rate": [0.1] * len(names),
                "unique_recipients": [10.0] * len(names),
                "conversions": [1.0] * len(names),
            }
        )

    def angle(names: list[str]) -> int:
        return layers(charts.variation_figure(table(names)))[0]["encoding"]["x"]["axis"][
            "labelAngle"
        ]

    assert angle(["Variant 1", "Control"]) == 0
    assert angle([f"A rather long variation name {i}" for i in range(6)]) == -30
    same = charts.variation_figure(table(["Same", "Same"]))
    assert data_of(same)["variation"].is_unique
