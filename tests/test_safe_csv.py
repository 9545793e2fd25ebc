"""Formula neutralisation and the CSV bytes people download."""

import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.safe_csv import neutralise, to_csv_bytes


@pytest.mark.parametrize(
    "dangerous",
    ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tfoo", "\rbar", '=HYPERLINK("http://x")', "-", "+"],
)
def test_formula_like_strings_get_an_apostrophe(dangerous: str) -> None:
    assert neutralise(dangerous) == "'" + dangerous


@pytest.mark.parametrize("number", ["-12", "+3.5", "-0.25e3", "-.5"])
def test_plain_numbers_in_text_stay_readable(number: str) -> None:
    assert neutralise(number) == number


@pytest.mark.parametrize("value", [-5, 3.2, None, "hello", "a=b", "", "1-2"])
def test_other_values_pass_through(value: object) -> None:
    assert neutralise(value) == value


@given(st.text())
def test_no_neutralised_text_starts_with_a_trigger(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(("=", "@", "\t", "\r")) or out == text
    if out.startswith(("+", "-")):
        float(out)  # only plain numbers may keep a leading sign


def _read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype=str)


def test_csv_has_bom_and_neutralised_text_cells_and_headers() -> None:
    frame = pd.DataFrame(
        {
            "name": ["=cmd|' /C calc'!A0", "Spring sale", "@everyone", "-1"],
            "=total": [1, -2, 3, 4],
            "ratio": [0.5, -0.25, 1.0, 0.0],
        }
    )
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = _read(data)
    assert list(back.columns) == ["name", "'=total", "ratio"]
    assert back["name"].tolist() == ["'=cmd|' /C calc'!A0", "Spring sale", "'@everyone", "-1"]
    assert back["'=total"].tolist() == ["1", "-2", "3", "4"]  # real numbers untouched
    assert back["ratio"].tolist() == ["0.5", "-0.25", "1.0", "0.0"]


def test_dates_and_a_named_index_are_written() -> None:
    frame = pd.DataFrame(
        {"count": [1, 2]}, index=pd.Index(pd.to_datetime(["2024-01-01", "2024-01-02"]), name="date")
    )
    back = _read(to_csv_bytes(frame))
    assert back.to_dict("list") == {"date": ["2024-01-01", "2024-01-02"], "count": ["1", "2"]}


def test_unicode_round_trips() -> None:
    frame = pd.DataFrame({"campaign": ["Été ☀️", "東京"]})
    assert _read(to_csv_bytes(frame))["campaign"].tolist() == ["Été ☀️", "東京"]
