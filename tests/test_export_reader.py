"""The streaming export parser: real sandbox zips, damaged archives, and random bad lines."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from braze_api.export_reader import read_export
from braze_sandbox import SANDBOX_API_KEY, Sandbox


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _export(sandbox: Sandbox, segment_id: str) -> bytes:
    body = requests.post(
        f"{sandbox.url}/users/export/segment",
        json={"segment_id": segment_id},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    ).json()
    for _ in range(100):
        response = requests.get(body["url"], timeout=10)
        if response.status_code == 200:
            return response.content
        time.sleep(0.1)
    raise AssertionError("export never became ready")


@pytest.fixture(scope="module")
def corrupt_sandbox():
    sandbox = Sandbox(
        users=6000, export_delay=0.1, export_corrupt_file=True, api_key=SANDBOX_API_KEY
    )
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_a_sandbox_export_is_read_completely(sandbox) -> None:
    ws = sandbox.sandbox.workspace
    segment = next(s for s in ws.segments if s.rule[0] == "all")
    members = ws.segment_members(segment.id)
    result = read_export(_export(sandbox.sandbox, segment.id))
    assert result.issues == [] and result.bad_lines == 0
    assert result.user_count == len(members)
    assert result.users["user_id"].is_unique
    expected_ids = {u.get("external_id") or u["braze_id"] for u in members}
    assert set(result.users["user_id"]) == expected_ids
    # nested lists become long tables with one row per item
    for table in ("custom_events", "purchases", "devices", "apps", "campaigns_received"):
        assert len(result.tables[table]) == sum(len(u.get(table, [])) for u in members), table
    attrs = result.tables["custom_attributes"]
    assert len(attrs) == sum(len(u.get("custom_attributes", {})) for u in members)
    # the hostile attribute value survives as text; nested values as JSON text
    assert "=1+1" in set(attrs.loc[attrs["attribute"] == "favorite_color", "value"])
    address = attrs.loc[attrs["attribute"] == "address", "value"].iloc[0]
    assert set(json.loads(address)) == {"city", "zip"}
    revenue = sum(u.get("total_revenue", 0.0) for u in members)
    assert result.users["total_revenue"].sum() == pytest.approx(revenue)


def test_corrupt_file_is_reported_and_the_rest_kept(corrupt_sandbox) -> None:
    ws = corrupt_sandbox.workspace
    segment = next(s for s in ws.segments if s.rule[0] == "all")
    members = ws.segment_members(segment.id)
    assert len(members) > 5000  # two files: only the first is damaged
    result = read_export(_export(corrupt_sandbox, segment.id))
    assert len(result.files) == 2
    assert result.user_count == len(members) - 1  # the truncated user is lost, nobody else
    assert result.bad_lines == 2
    by_line = {issue.line: issue for issue in result.issues}
    assert by_line[2].file.endswith("/0.txt") and "not valid JSON" in by_line[2].problem
    truncated = [i for i in result.issues if "truncated" in i.problem]
    assert len(truncated) == 1 and truncated[0].file.endswith("/0.txt")
    assert truncated[0].line == 5000 // 2 + 2  # middle of the file, after the inserted line


def test_a_damaged_archive_is_an_issue_not_an_exception() -> None:
    result = read_export(b"PK\x03\x04 this is not really a zip")
    assert result.user_count == 0
    assert len(result.issues) == 1 and result.issues[0].line is None
    assert "damaged" in result.issues[0].problem
    assert read_export(b"\x00\x01binary").issues[0].problem.startswith("not a zip")


def test_a_non_json_file_is_skipped_with_one_issue() -> None:
    good = b'{"external_id": "a", "country": "FR"}\n{"external_id": "b"}\n'
    junk = b"\n".join(b"col1,col2,%d" % i for i in range(100))
    result = read_export(_zip({"x/0.txt": good, "x/readme.csv": junk, "x/1.txt": good}))
    assert result.user_count == 4
    assert [(i.file, i.line) for i in result.issues] == [("x/readme.csv", None)]
    assert "not newline-delimited JSON" in result.issues[0].problem


def test_a_member_with_a_bad_crc_keeps_lines_read_before() -> None:
    data = bytearray(_zip({"x/0.txt": b'{"external_id": "a"}\n' * 3}))
    # flip a byte of the stored CRC in the central directory and local header
    crc_local = 14
    data[crc_local] ^= 0xFF
    central = data.rfind(b"PK\x01\x02")
    data[central + 16] ^= 0xFF
    result = read_export(bytes(data))
    assert any("damaged" in i.problem and i.file == "x/0.txt" for i in result.issues)


def test_columns_are_typed_and_sparse_fields_padded() -> None:
    lines = [
        {"external_id": "a", "random_bucket": 5, "last_coordinates": [2.35, 48.85]},
        {
            "braze_id": "b1",
            "gender": "F",
            "devices": [{"model": "Pixel", "ad_tracking_enabled": True}],
        },
        {"user_aliases": [{"alias_name": "anon", "alias_label": "x"}], "random_bucket": "7"},
    ]
    result = read_export("\n".join(json.dumps(x) for x in lines).encode())
    users = result.users
    assert users["user_id"].tolist() == ["a", "b1", "alias:anon"]
    assert users["gender"].isna().tolist() == [True, False, True]
    assert users["longitude"].iloc[0] == 2.35 and users["latitude"].iloc[0] == 48.85
    assert result.tables["devices"]["user_id"].tolist() == ["b1"]
    assert result.tables["user_aliases"]["alias_name"].tolist() == ["anon"]


good_user = st.fixed_dictionaries(
    {"external_id": st.text(min_size=1, max_size=8)},
    optional={
        "country": st.sampled_from(["US", "FR", "ES"]),
        "custom_events": st.lists(
            st.fixed_dictionaries({"name": st.text(max_size=5), "count": st.integers(0, 9)}),
            max_size=3,
        ),
    },
)
bad_line = st.one_of(
    st.text(max_size=30).filter(lambda t: "\n" not in t and "\r" not in t and t.strip()),
    st.binary(max_size=30).filter(lambda b: b"\n" not in b and b.strip()),
    st.just("[1, 2]"),
    st.just('{"external_id": "cut'),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(good_user.map(lambda u: ("good", u)), bad_line.map(lambda b: ("bad", b))),
        max_size=40,
    )
)
def test_every_good_line_kept_and_every_bad_line_named(entries) -> None:
    raw_lines: list[bytes] = []
    expected_good, expected_bad = [], []
    for kind, value in entries:
        if kind == "good":
            raw_lines.append(json.dumps(value).encode())
            expected_good.append(value)
            continue
        line = value if isinstance(value, bytes) else value.encode()
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):  # a random "bad" line that is really a user
            expected_good.append(parsed)
        else:
            expected_bad.append(len(raw_lines) + 1)
        raw_lines.append(line)
    result = read_export(_zip({"p/0.txt": b"\n".join(raw_lines)}))
    assert result.user_count == len(expected_good)
    if not expected_good and len(expected_bad) >= 20:
        return  # reported as "not newline-delimited JSON" as a whole
    assert sorted(i.line for i in result.issues if i.line) == expected_bad
    assert all(i.file == "p/0.txt" for i in result.issues)
    events = sum(len(u.get("custom_events", [])) for u in expected_good)
    assert len(result.tables["custom_events"]) == events


# --- the fast (pyarrow) path and the line-by-line path must agree -----------------------


def _ndjson(users: list[dict]) -> bytes:
    return ("\n".join(json.dumps(u, ensure_ascii=False) for u in users) + "\n").encode()


@pytest.fixture(scope="module")
def profiles() -> list[dict]:
    return Sandbox(users=1500, campaigns=12).workspace.users


def _same(a, b) -> None:
    """Same users and long tables (row order included), dtypes and values."""
    import pandas as pd

    pd.testing.assert_frame_equal(a.users, b.users)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)


def test_small_reads_and_one_big_read_give_the_same_frames(profiles, monkeypatch) -> None:
    data = _zip({"e/0.txt": _ndjson(profiles[:700]), "e/1.txt": _ndjson(profiles[700:])})
    whole = read_export(data)
    import braze_api.export_reader.archive as archive

    monkeypatch.setattr(archive, "READ_BYTES", 997)  # lines straddle reads, many blocks
    pieces = read_export(data)
    assert whole.issues == pieces.issues == [] and whole.user_count == len(profiles)
    _same(whole, pieces)
    # dates pyarrow would guess (dob) stay the text they were
    assert set(whole.users["dob"].dropna()) == {u["dob"] for u in profiles if "dob" in u}


def test_a_bad_line_deep_in_a_block_costs_only_that_line(profiles) -> None:
    clean = read_export(_zip({"e/0.txt": _ndjson(profiles)}))
    lines = _ndjson(profiles).split(b"\n")
    lines.insert(1000, b'{"external_id": "cut')
    damaged = read_export(_zip({"e/0.txt": b"\n".join(lines)}))
    assert [(i.file, i.line) for i in damaged.issues] == [("e/0.txt", 1001)]
    assert "truncated" in damaged.issues[0].problem and damaged.bad_lines == 1
    _same(clean, damaged)


@pytest.mark.parametrize(
    "bad",
    [b"null", b'{"external_id": "x1"} {"external_id": "x2"}', b'\xef\xbb\xbf{"external_id": "x"}'],
    ids=["null", "two objects", "byte order mark"],
)
def test_lines_pyarrow_accepts_but_json_does_not_are_reported(profiles, bad) -> None:
    lines = _ndjson(profiles[:300]).split(b"\n")
    lines.insert(150, bad)
    result = read_export(b"\n".join(lines))
    assert [i.line for i in result.issues] == [151]
    assert result.user_count == 300 and result.bad_lines == 1


def test_types_that_change_between_users_are_kept_as_text() -> None:
    users = [
        {"external_id": f"u{i}", "plan": i, "custom_attributes": {"age": i}} for i in range(200)
    ]
    users[120]["plan"] = "gold"
    users[130]["custom_attributes"]["age"] = "unknown"
    users[140]["custom_attributes"]["tags"] = ["a", 'q"uote', "back\\slash", "tab\there", "é"]
    users[150]["custom_attributes"]["home"] = {"zip": "75001", "geo": [2.3, 48.8]}
    result = read_export(_ndjson(users))
    assert result.issues == [] and result.user_count == 200
    plan = result.users.set_index("user_id")["plan"]
    assert plan["u120"] == "gold" and plan["u7"] == "7"
    attrs = result.tables["custom_attributes"].set_index(["user_id", "attribute"])
    assert attrs.loc[("u130", "age"), "value"] == "unknown"
    assert attrs.loc[("u131", "age"), ["value", "type"]].tolist() == ["131", "number"]
    tags = attrs.loc[("u140", "tags")]
    assert json.loads(tags["value"]) == users[140]["custom_attributes"]["tags"]
    assert tags["type"] == "array"
    assert json.loads(attrs.loc[("u150", "home"), "value"]) == {"zip": "75001", "geo": [2.3, 48.8]}


def test_nested_values_become_json_text_on_the_fast_path() -> None:
    users = [
        {
            "external_id": f"u{i}",
            "custom_attributes": {
                "pets": ["cat", 'say "hi"', "c:\\dir", "new\nline"][: i % 5],
                "address": {"city": "Zürich", "zip": str(8000 + i)},
                "vip": i % 2 == 0,
                "ratio": i / 4,
            },
        }
        for i in range(300)
    ]
    attrs = read_export(_ndjson(users)).tables["custom_attributes"]
    assert len(attrs) == 300 * 4 and attrs["user_id"].tolist()[:4] == ["u0"] * 4  # user by user
    by = attrs.set_index(["user_id", "attribute"])
    for i in (0, 3, 4, 257):
        source = users[i]["custom_attributes"]
        assert json.loads(by.loc[(f"u{i}", "pets"), "value"]) == source["pets"]
        assert json.loads(by.loc[(f"u{i}", "address"), "value"]) == source["address"]
        assert by.loc[(f"u{i}", "vip"), "value"] == ("true" if i % 2 == 0 else "false")
        assert float(by.loc[(f"u{i}", "ratio"), "value"]) == i / 4


def test_progress_is_reported_as_users_are_read(profiles, monkeypatch) -> None:
    import braze_api.export_reader.archive as archive

    monkeypatch.setattr(archive, "READ_BYTES", 64 * 1024)
    seen: list[int] = []
    many = [dict(u, external_id=f"p{i}") for i in range(8) for u in profiles]
    result = read_export(_zip({"e/0.txt": _ndjson(many)}), on_progress=seen.append)
    assert result.user_count == len(many)
    assert seen and seen == sorted(seen) and seen[-1] <= len(many)


def test_a_gzip_stream_is_read() -> None:
    import gzip

    data = gzip.compress(b'{"external_id": "a"}\n{"external_id": "b"}\n')
    result = read_export(data)
    assert result.users["user_id"].tolist() == ["a", "b"] and result.issues == []


def test_prefetch_hands_errors_over_and_stops_when_abandoned() -> None:
    from braze_api.export_reader.prefetch import prefetched

    def failing():
        yield 1
        raise zipfile.BadZipFile("boom")

    got = []
    with pytest.raises(zipfile.BadZipFile):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [1]
    endless = prefetched(iter(range(10**9)))
    assert next(endless) == 0
    endless.close()  # joins the producer thread: no hang, no leak
