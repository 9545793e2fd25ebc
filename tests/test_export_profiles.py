"""The generated segment export (``braze_sandbox.export_profiles``): documented structure and
variety, and ``read_export``'s flattening of it checked against a plain-Python reference.

The reference below is written from the export object's documentation and the reader's
documented contract (``braze_api.export_reader``: one users row, long tables keyed by
``user_id``), with ``json`` and dicts only: it shares no code with the reader.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from datetime import datetime
from typing import Any

import pandas as pd
import pytest

from braze_api.export_reader import read_export
from braze_api.export_reader.model import LONG_TABLES, TIME_COLUMNS
from braze_sandbox import export_profiles
from tests.export_compare import differences

USERS, PER_FILE = 1500, 400  # four files, the last one short
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|\+00:00)$")
CREATED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$")

# The documented user export object: field -> JSON kind (or, for lists, each item's keys and
# kinds). "time" is ISO 8601 text; "?" marks a field that may be null.
SCALARS = {
    "created_at": "str",
    "external_id": "str",
    "braze_id": "str",
    "random_bucket": "int",
    "first_name": "str",
    "last_name": "str",
    "email": "str?",
    "dob": "str",
    "home_city": "str",
    "country": "str",
    "phone": "str",
    "language": "str",
    "time_zone": "str",
    "gender": "str?",
    "total_revenue": "num",
    "attributed_campaign": "str",
    "attributed_source": "str",
    "attributed_adgroup": "str",
    "attributed_ad": "str",
    "push_subscribe": "str",
    "push_opted_in_at": "time",
    "email_subscribe": "str",
    "uninstalled_at": "time",
}
ITEMS = {
    "user_aliases": {"alias_name": "str", "alias_label": "str"},
    "custom_events": {"name": "str", "first": "time", "last": "time", "count": "int"},
    "purchases": {"name": "str", "first": "time", "last": "time", "count": "int"},
    "devices": {
        "model": "str",
        "os": "str",
        "carrier": "str?",
        "device_id": "str",
        "idfv": "str",
        "idfa": "str",
        "google_ad_id": "str",
        "roku_ad_id": "str",
        "windows_ad_id": "str",
        "ad_tracking_enabled": "bool",
    },
    "push_tokens": {
        "app": "str",
        "platform": "str",
        "token": "str",
        "device_id": "str",
        "notifications_enabled": "bool",
    },
    "apps": {
        "name": "str",
        "platform": "str",
        "version": "str",
        "sessions": "int",
        "first_used": "time",
        "last_used": "time",
    },
    "campaigns_received": {
        "name": "str",
        "api_campaign_id": "str",
        "last_received": "time",
        "engaged": "dict",
        "converted": "bool",
        "multiple_converted": "dict",
        "variation_name": "str",
        "variation_api_id": "str",
        "in_control": "bool",
    },
    "canvases_received": {
        "name": "str",
        "api_canvas_id": "str",
        "last_received_message": "time?",
        "last_entered": "time",
        "variation_name": "str",
        "in_control": "bool",
        "last_entered_control_at": "time?",
        "last_exited": "time",
        "steps_received": "list",
    },
    "cards_clicked": {"name": "str"},
}
STEP = {"name": "str", "api_canvas_step_id": "str", "last_received": "time"}


@pytest.fixture(scope="module")
def archive() -> bytes:
    return export_profiles.export_zip(5, USERS, per_file=PER_FILE)


@pytest.fixture(scope="module")
def profiles(archive: bytes) -> list[dict]:
    out = []
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        for name in z.namelist():
            out.extend(json.loads(line) for line in z.read(name).decode().splitlines())
    return out


def _kind_ok(kind: str, value: Any) -> bool:
    if kind.endswith("?"):
        if value is None:
            return True
        kind = kind[:-1]
    checks = {
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "num": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "dict": lambda v: isinstance(v, dict),
        "list": lambda v: isinstance(v, list),
        "time": lambda v: isinstance(v, str) and bool(ISO_MS.match(v)),
    }
    return bool(checks[kind](value))


def test_the_zip_holds_files_of_one_json_object_per_line(archive: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        names = z.namelist()
        assert len(names) == 4
        prefix = names[0].split("/")[0]
        assert re.fullmatch(r"[0-9a-f-]{36}-\d+", prefix)  # object_prefix: uuid-start time
        assert names == [f"{prefix}/{n}.txt" for n in range(4)]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        counts = [len(z.read(n).decode().splitlines()) for n in names]
    assert counts == [400, 400, 400, 300]


def test_every_field_has_its_documented_type(profiles: list[dict]) -> None:
    documented = {*SCALARS, *ITEMS, "custom_attributes", "last_coordinates"}
    for user in profiles:
        assert set(user) <= documented, set(user) - documented
        assert "braze_id" in user and CREATED.match(user["created_at"])
        assert "external_id" in user or user.get("user_aliases")
        for key, value in user.items():
            if key in SCALARS:
                assert _kind_ok(SCALARS[key], value), (key, value)
            elif key == "last_coordinates":
                lon, lat = value
                assert -180 <= lon <= 180 and -90 <= lat <= 90
            elif key == "custom_attributes":
                assert isinstance(value, dict)
            else:
                assert isinstance(value, list)
                for item in value:
                    assert set(item) <= set(ITEMS[key]), (key, set(item) - set(ITEMS[key]))
                    for field, item_value in item.items():
                        assert _kind_ok(ITEMS[key][field], item_value), (key, field, item_value)
                    for step in item.get("steps_received", ()):
                        assert set(step) == set(STEP)
                        assert all(_kind_ok(STEP[f], v) for f, v in step.items())
                    if key == "campaigns_received":
                        assert all(v is True for v in item["engaged"].values())


def test_profiles_vary_as_real_exports_do(profiles: list[dict]) -> None:
    sizes = sorted(len(json.dumps(u)) for u in profiles)
    assert sizes[len(sizes) // 10] < 400 and sizes[-len(sizes) // 50] > 8000  # sparse to heavy
    assert len({json.dumps({k: v for k, v in u.items() if "id" not in k}) for u in profiles}) > (
        0.99 * len(profiles)
    )
    present = Counter(k for u in profiles for k, v in u.items() if v not in (None, [], {}))
    for field in (*SCALARS, *ITEMS, "custom_attributes", "last_coordinates"):
        assert present[field] > 0, field
        if field not in ("braze_id", "created_at", "random_bucket"):
            assert present[field] < len(profiles), f"{field} is never missing"
    kinds = Counter(
        type(v).__name__ for u in profiles for v in u.get("custom_attributes", {}).values()
    )
    assert {"str", "int", "float", "bool", "list", "dict", "NoneType"} <= set(kinds)
    dates = [
        v
        for u in profiles
        for v in u.get("custom_attributes", {}).values()
        if isinstance(v, str) and re.match(r"^\d{4}-\d\d-\d\d", v)
    ]
    assert dates  # date attributes arrive as text
    text = "\n".join(_strings(profiles))
    for sample in ("東京", "Москва", "القاهرة", "🦊", 'Quote"Mark', "Back\\slash", "<script>"):
        assert sample in text
    devices = [d for u in profiles for d in u.get("devices", ())]
    assert {"idfv", "idfa", "google_ad_id", "roku_ad_id"} <= {k for d in devices for k in d}
    steps = [
        s for u in profiles for c in u.get("canvases_received", ()) for s in c["steps_received"]
    ]
    assert steps and any(
        not c["steps_received"] for u in profiles for c in u.get("canvases_received", ())
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = [*value, *value.values()]
    return [s for v in value for s in _strings(v)] if isinstance(value, list) else []


def test_the_export_is_deterministic_and_each_file_stands_alone() -> None:
    one = export_profiles.export_zip(5, 900, per_file=300)
    assert one == export_profiles.export_zip(5, 900, per_file=300)
    assert one != export_profiles.export_zip(6, 900, per_file=300)
    files = dict(export_profiles.export_files(5, 900, per_file=300))
    alone = export_profiles.file_profiles(5, 2, 900, per_file=300)
    last = [json.loads(line) for line in list(files.values())[2].decode().splitlines()]
    assert last == alone


# -- the reference flattening ------------------------------------------------------------


def _time(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.replace(" UTC", "+00:00").replace("Z", "+00:00"))


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _cell(table: str, column: str, value: Any) -> Any:
    if column in TIME_COLUMNS:
        return _time(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def reference(users: list[dict]) -> dict[str, pd.DataFrame]:
    """The reader's documented frames, built with plain Python from the decoded users."""
    rows: dict[str, list[dict]] = {"users": [], **{t: [] for t in LONG_TABLES}}
    for user in users:
        aliases = user.get("user_aliases") or []
        uid = user.get("external_id") or user.get("braze_id")
        if not uid and aliases and aliases[0].get("alias_name"):
            uid = "alias:" + aliases[0]["alias_name"]
        row: dict = {"user_id": uid}
        for key, value in user.items():
            if key == "last_coordinates":
                row["longitude"], row["latitude"] = value
            elif key == "custom_attributes":
                for name, attr in value.items():
                    if attr is None:
                        continue
                    text = (
                        attr
                        if isinstance(attr, str)
                        else json.dumps(attr, ensure_ascii=False).lower()
                        if isinstance(attr, bool)
                        else json.dumps(attr, ensure_ascii=False)
                    )
                    rows[key].append(
                        {"user_id": uid, "attribute": name, "value": text, "type": _json_kind(attr)}
                    )
            elif key in LONG_TABLES:
                for item in value:
                    item = dict(item)
                    if key == "campaigns_received":
                        item.update(item.pop("engaged", {}))
                        converted = item.get("multiple_converted") or {}
                        item["multiple_converted"] = (
                            "; ".join(k for k, v in converted.items() if v) or None
                        )
                    if key == "canvases_received":
                        for step in item["steps_received"]:
                            rows["canvas_steps_received"].append(
                                {
                                    "user_id": uid,
                                    "api_canvas_id": item["api_canvas_id"],
                                    "canvas_name": item["name"],
                                    **{c: _cell(key, c, step.get(c)) for c in STEP},
                                }
                            )
                        item["steps_received"] = len(item["steps_received"])
                    rows[key].append(
                        {
                            "user_id": uid,
                            **{c: _cell(key, c, item.get(c)) for c in LONG_TABLES[key]},
                        }
                    )
            else:
                row[key] = _cell("users", key, value)
        rows["users"].append(row)
    frames = {name: pd.DataFrame(r) for name, r in rows.items()}
    for name, frame in frames.items():  # a documented column nobody has is absent, not null
        if name != "users":
            frames[name] = frame.dropna(axis=1, how="all")
    return frames


def test_the_reader_flattens_generated_profiles_as_the_reference_does(
    archive: bytes, profiles: list[dict]
) -> None:
    result = read_export(archive)
    assert not result.issues and result.bad_lines == 0
    assert result.user_count == USERS
    expected = reference(profiles)
    ours = {"users": result.users, **result.tables}
    problems = []
    for name, frame in expected.items():
        got = ours[name]
        got = got[[c for c in got.columns if got[c].notna().any() or c in frame]]
        problems += differences(got, frame, name)
    assert not problems, "\n".join(problems)
    assert len(ours["campaigns_received"]) > 2000 and len(ours["custom_attributes"]) > 5000


def test_the_frames_do_not_depend_on_how_the_export_is_cut_into_blocks(
    archive: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exactly the same frames (row order included) from reads of the default size and from
    reads of a few users each; a user's custom attributes come in name order, whichever
    attributes the other users of their block have. Only a nested object's text may differ:
    it lists as null the keys other users of its block have (``jsontext``), the same data."""
    import braze_api.export_reader.archive as archive_module
    from tests.export_compare import without_nulls

    whole = read_export(archive)
    monkeypatch.setattr(archive_module, "READ_BYTES", 7_919)  # a few users per block
    pieces = read_export(archive)
    assert not whole.issues and not pieces.issues
    pd.testing.assert_frame_equal(whole.users, pieces.users, check_exact=True)
    for name, frame in whole.tables.items():
        other = pieces.tables[name]
        if name == "custom_attributes":
            objects = frame["type"] == "object"
            assert objects.tolist() == (other["type"] == "object").tolist()
            for a, b in zip(frame["value"][objects], other["value"][objects], strict=True):
                assert without_nulls(json.loads(a)) == without_nulls(json.loads(b))
            frame, other = frame[~objects], other[~objects]
        pd.testing.assert_frame_equal(frame, other, check_exact=True, obj=name)
    attributes = whole.tables["custom_attributes"]
    for _, names in attributes.groupby("user_id", sort=False)["attribute"]:
        assert names.tolist() == sorted(names)
    assert attributes["user_id"].nunique() > 1000


def test_the_comparison_catches_a_changed_value(archive: bytes, profiles: list[dict]) -> None:
    expected = reference(profiles)
    result = read_export(archive)
    for name, column in (("custom_events", "count"), ("custom_attributes", "value")):
        broken = expected[name].copy()
        broken.loc[7, column] = "12345" if column == "value" else 999_999
        assert differences(result.tables[name], broken, name)
    broken = expected["devices"].iloc[1:]
    assert differences(result.tables["devices"], broken, "devices")


def test_the_sandbox_serves_a_generated_export_over_http(archive: bytes) -> None:
    """A sandbox's segment export can hand out the generated zip (``Exports.served_archive``),
    so the dashboard's download path meets the same varied data as the benchmark."""
    import time

    import requests

    from braze_sandbox import SANDBOX_API_KEY, Sandbox

    sandbox = Sandbox(users=50, export_delay=0.0, api_key=SANDBOX_API_KEY)
    sandbox.exports.served_archive = archive
    sandbox.start()
    try:
        segment = sandbox.workspace.segments[0]
        body = requests.post(
            f"{sandbox.url}/users/export/segment",
            json={"segment_id": segment.id, "fields_to_export": ["external_id"]},
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            timeout=10,
        ).json()
        deadline = time.monotonic() + 30
        while (response := requests.get(body["url"], timeout=10)).status_code != 200:
            assert time.monotonic() < deadline, "export never became ready"
            time.sleep(0.1)
    finally:
        sandbox.stop()
    result = read_export(response.content)
    assert result.user_count == USERS and not result.issues
