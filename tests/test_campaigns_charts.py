"""Campaign figure builders: frame in, figure out (no I/O)."""

from __future__ import annotations

import pandas as pd

from dashboard.charts import campaigns as charts
from dashboard.data import campaigns as data

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


def test_daily_figures_have_one_trace_per_channel_and_escaped_names() -> None:
    series = data.series_from_body(BODY)
    daily = data.daily_channel_frame(series.long)
    fig = charts.channel_lines_figure(daily, "sent", "Messages sent per day", "messages")
    names = sorted(t.name for t in fig.data)
    # human channel names; an unknown channel keeps its own (escaped) name
    assert names == ["&lt;b&gt;pigeon&lt;/b&gt;", "Email", "iOS push"]
    email = next(t for t in fig.data if t.name == "Email")
    assert list(email.y) == [100, 101]
    assert fig.layout.yaxis.title.text == "Messages"
    assert fig.layout.xaxis.title.text == "Date (UTC days)"
    opens = charts.opens_clicks_figure(daily)
    assert {t.name for t in opens.data} >= {"Email · opens", "Email · clicks", "iOS push · opens"}


def test_variation_funnel_timing_and_revenue() -> None:
    series = data.series_from_body(BODY)
    table = data.variation_table(series.long)
    fig = charts.variation_figure(table)
    bar = fig.data[0]
    assert len(bar.x) == len(table) == 4  # email, pigeon, Variant 1, Control
    control_index = list(table["is_control"]).index(True)
    assert bar.marker.color[control_index] == charts.CONTROL_COLOUR

    funnel = charts.funnel_figure(data.funnel(data.summarise(series)))
    assert list(funnel.data[0].x)[0] == (100 + 101) + (3 + 3) + (50 + 50)
    stages = list(funnel.data[0].y)  # each stage names the rate the cards show for it
    assert (
        stages[0] == "Sent" and stages[1] == "Delivered<br>93.0% delivery rate"
    )  # (180 + 100) ÷ (201 + 100)
    timing = data.conversion_timing(series.totals)
    lines = charts.conversion_timing_figure(timing)
    assert [list(t.y) for t in lines.data] == [[7, 8], [6, 6]]
    revenue = charts.revenue_figure(timing)
    assert list(revenue.data[0].y) == [12.5, 12.5]


def test_empty_inputs_give_titled_empty_figures() -> None:
    empty = data.series_from_body({})
    daily = data.daily_channel_frame(empty.long)
    for fig in (
        charts.channel_lines_figure(daily, "sent", "Sends", "messages"),
        charts.opens_clicks_figure(daily),
        charts.conversions_figure(daily),
        charts.variation_figure(data.variation_table(empty.long)),
        charts.funnel_figure(data.funnel(data.summarise(empty))),
        charts.conversion_timing_figure(data.conversion_timing(empty.totals)),
        charts.revenue_figure(data.conversion_timing(empty.totals)),
        charts.top_campaigns_figure(data.leaderboard_frame([]), "sent", "Sent"),
    ):
        assert fig.layout.title.text
        assert fig.layout.annotations and not fig.data


def test_top_campaigns_largest_first_and_names_escaped() -> None:
    board = data.leaderboard_frame(
        [
            {"campaign_id": str(i), "name": f"<i>C{i}</i>", "sent": i * 10, "status": ""}
            for i in range(15)
        ]
    )
    fig = charts.top_campaigns_figure(board, "sent", "Messages sent")
    bar = fig.data[0]
    assert len(bar.y) == 10
    assert bar.y[-1] == "&lt;i&gt;C14&lt;/i&gt;" and list(bar.x)[-1] == 140
    assert pd.Series(list(bar.x)).is_monotonic_increasing
