"""What a user would write instead of ``read_export``: the same frames from duckdb or pandas.

Both baselines produce the frames ``braze_api.export_reader`` produces (the users frame and
every long table, with the same columns and values; ``tests/test_export_baselines.py``
compares them on generated data), so the benchmark times the same job three ways:

* ``duckdb_frames``: the zip's files extracted to a folder (duckdb reads no zip), read once by
  ``read_json`` with the documented fields declared (duckdb's own guesses turn device ids into
  UUIDs and lower-case them; ``custom_attributes`` stays JSON since its keys differ per user),
  then flattened in duckdb SQL (``unnest``, ``json_each``) and fetched through Arrow.
* ``pandas_frames``: each file read by ``pandas.read_json(lines=True, engine="pyarrow",
  dtype_backend="pyarrow")`` (Arrow-backed columns: nested values stay compact, and pandas'
  ``.list`` / ``.struct`` accessors flatten them without Python objects), flattened with those
  accessors, and the pieces concatenated.

Neither has the reader's safety limits (zip bomb checks, long or deep lines, bad lines kept
apart): they are the fast path a user would write for a clean export.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from braze_api.export_reader.model import LONG_TABLES, TIME_COLUMNS, USER_COLUMNS

Frames = tuple[pd.DataFrame, dict[str, pd.DataFrame]]

# -- duckdb -------------------------------------------------------------------------------

_DUCK_SCHEMA = {
    "created_at": "VARCHAR",
    "external_id": "VARCHAR",
    "braze_id": "VARCHAR",
    "user_aliases": "STRUCT(alias_name VARCHAR, alias_label VARCHAR)[]",
    "first_name": "VARCHAR",
    "last_name": "VARCHAR",
    "email": "VARCHAR",
    "phone": "VARCHAR",
    "dob": "VARCHAR",
    "gender": "VARCHAR",
    "country": "VARCHAR",
    "home_city": "VARCHAR",
    "language": "VARCHAR",
    "time_zone": "VARCHAR",
    "last_coordinates": "DOUBLE[]",
    "uninstalled_at": "TIMESTAMPTZ",
    "random_bucket": "BIGINT",
    "total_revenue": "DOUBLE",
    "push_subscribe": "VARCHAR",
    "email_subscribe": "VARCHAR",
    "push_opted_in_at": "TIMESTAMPTZ",
    "attributed_campaign": "VARCHAR",
    "attributed_source": "VARCHAR",
    "attributed_adgroup": "VARCHAR",
    "attributed_ad": "VARCHAR",
    "custom_attributes": "JSON",
    "custom_events": "STRUCT(name VARCHAR, first TIMESTAMPTZ, last TIMESTAMPTZ, count BIGINT)[]",
    "purchases": "STRUCT(name VARCHAR, first TIMESTAMPTZ, last TIMESTAMPTZ, count BIGINT)[]",
    "devices": "STRUCT(device_id VARCHAR, model VARCHAR, os VARCHAR, carrier VARCHAR, "
    "idfv VARCHAR, idfa VARCHAR, google_ad_id VARCHAR, roku_ad_id VARCHAR, "
    "windows_ad_id VARCHAR, ad_tracking_enabled BOOLEAN)[]",
    "apps": "STRUCT(name VARCHAR, platform VARCHAR, version VARCHAR, sessions BIGINT, "
    "first_used TIMESTAMPTZ, last_used TIMESTAMPTZ)[]",
    "push_tokens": "STRUCT(app VARCHAR, platform VARCHAR, token VARCHAR, device_id VARCHAR, "
    "notifications_enabled BOOLEAN)[]",
    "campaigns_received": "STRUCT(name VARCHAR, api_campaign_id VARCHAR, "
    "last_received TIMESTAMPTZ, engaged STRUCT(opened_email BOOLEAN, opened_push BOOLEAN, "
    "clicked_email BOOLEAN, clicked_triggered_in_app_message BOOLEAN), converted BOOLEAN, "
    "multiple_converted MAP(VARCHAR, BOOLEAN), variation_name VARCHAR, "
    "variation_api_id VARCHAR, in_control BOOLEAN)[]",
    "canvases_received": "STRUCT(name VARCHAR, api_canvas_id VARCHAR, "
    "last_entered TIMESTAMPTZ, last_exited TIMESTAMPTZ, last_received_message TIMESTAMPTZ, "
    "variation_name VARCHAR, in_control BOOLEAN, last_entered_control_at TIMESTAMPTZ, "
    "steps_received STRUCT(name VARCHAR, api_canvas_step_id VARCHAR, "
    "last_received TIMESTAMPTZ)[])[]",
    "cards_clicked": "STRUCT(name VARCHAR)[]",
}

_ENGAGED = ("opened_email", "opened_push", "clicked_email", "clicked_triggered_in_app_message")
_JSON_KIND = (
    "CASE e.type WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' "
    "WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'object' ELSE 'number' END"
)


def _q(name: str) -> str:
    return '"' + name + '"'


def _duck_item_table(table: str, column: str) -> str:
    cols = ", ".join(f"i.{_q(c)} AS {_q(c)}" for c in LONG_TABLES[table])
    return (
        f"SELECT user_id, {cols} FROM "
        f"(SELECT user_id, unnest({column}) AS i FROM raw) WHERE i IS NOT NULL"
    )


def _duck_queries(present: set[str]) -> dict[str, str]:
    users = ["user_id"]
    for c in USER_COLUMNS[1:]:
        if c in ("longitude", "latitude"):
            if "last_coordinates" in present:
                k = 1 if c == "longitude" else 2
                users.append(
                    f"CASE WHEN len(last_coordinates) = 2 THEN last_coordinates[{k}] END AS {c}"
                )
        elif c in present:
            if c == "created_at":
                users.append(
                    "CAST(replace(created_at, ' UTC', '+00') AS TIMESTAMPTZ) AS created_at"
                )
            else:
                users.append(_q(c))
    queries = {"users": f"SELECT {', '.join(users)} FROM raw"}
    for table in ("custom_events", "purchases", "devices", "apps", "push_tokens", "cards_clicked"):
        queries[table] = _duck_item_table(table, table)
    queries["user_aliases"] = _duck_item_table("user_aliases", "user_aliases")
    campaign = []
    for c in LONG_TABLES["campaigns_received"]:
        if c in _ENGAGED:
            campaign.append(f"i.engaged.{c} AS {c}")
        elif c == "multiple_converted":
            campaign.append(
                "nullif(array_to_string(list_transform(list_filter(map_entries("
                "i.multiple_converted), lambda e: e.value), lambda e: e.key), '; '), '') "
                "AS multiple_converted"
            )
        else:
            campaign.append(f"i.{_q(c)} AS {_q(c)}")
    queries["campaigns_received"] = (
        f"SELECT user_id, {', '.join(campaign)} FROM "
        "(SELECT user_id, unnest(campaigns_received) AS i FROM raw) WHERE i IS NOT NULL"
    )
    canvas = [
        "len(i.steps_received) AS steps_received" if c == "steps_received" else f"i.{_q(c)}"
        for c in LONG_TABLES["canvases_received"]
    ]
    queries["canvases_received"] = (
        f"SELECT user_id, {', '.join(canvas)} FROM "
        "(SELECT user_id, unnest(canvases_received) AS i FROM raw) WHERE i IS NOT NULL"
    )
    queries["canvas_steps_received"] = (
        "SELECT user_id, api_canvas_id, canvas_name, s.name AS name, s.api_canvas_step_id, "
        "s.last_received FROM (SELECT user_id, i.api_canvas_id AS api_canvas_id, "
        "i.name AS canvas_name, unnest(i.steps_received) AS s FROM "
        "(SELECT user_id, unnest(canvases_received) AS i FROM raw)) WHERE s IS NOT NULL"
    )
    queries["custom_attributes"] = (
        "SELECT r.user_id, e.key AS attribute, "
        "CASE e.type WHEN 'VARCHAR' THEN e.value ->> '$' ELSE CAST(e.value AS VARCHAR) END "
        f"AS value, {_JSON_KIND} AS type "
        "FROM raw r, json_each(r.custom_attributes) e WHERE e.type <> 'NULL'"
    )
    return queries


def duckdb_frames(zip_path: str | Path, workdir: str | Path) -> Frames:
    """Unzip into ``workdir``, read every file with duckdb, flatten in SQL."""
    import duckdb

    workdir = Path(workdir)
    with zipfile.ZipFile(zip_path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        archive.extractall(workdir, members=names)
    files = [str(workdir / n) for n in names]
    # every core (duckdb's default, stated so a run never depends on it); insertion order is
    # kept, since the frames must come out in the export's order
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    try:
        con.execute("SET TimeZone = 'UTC'")
        columns = ", ".join(f"{_q(k)}: '{v}'" for k, v in _DUCK_SCHEMA.items())
        con.execute(
            "CREATE TEMP TABLE raw AS SELECT coalesce(nullif(external_id, ''), "
            "nullif(braze_id, ''), 'alias:' || nullif(user_aliases[1].alias_name, '')) "
            "AS user_id, * FROM read_json(?, format = 'newline_delimited', "
            f"maximum_object_size = 16777216, columns = {{{columns}}})",
            [files],
        )
        present = set(_DUCK_SCHEMA)
        frames = {
            name: _arrow_frame(con.sql(query).fetch_arrow_table())
            for name, query in _duck_queries(present).items()
        }
    finally:
        con.close()
    users = frames.pop("users")
    users = users[[c for c in users.columns if c == "user_id" or users[c].notna().any()]]
    return users, frames


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas()


# -- pandas (pyarrow engine) --------------------------------------------------------------


def pandas_frames(zip_path: str | Path) -> Frames:
    """Each file through ``pandas.read_json(engine="pyarrow")``, flattened with pandas."""
    users: list[pd.DataFrame] = []
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in LONG_TABLES}
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            with archive.open(name) as handle:
                raw = pd.read_json(handle, lines=True, engine="pyarrow", dtype_backend="pyarrow")
            part_users, part_tables = _pandas_flatten(raw)
            users.append(part_users)
            for table, frame in part_tables.items():
                tables[table].append(frame)
    out_users = pd.concat(users, ignore_index=True)
    out_users = out_users[_ordered_users(list(out_users.columns))]
    out = {}
    for table, frames in tables.items():
        if frames:
            out[table] = pd.concat(frames, ignore_index=True)
        else:
            out[table] = pd.DataFrame({c: [] for c in ("user_id", *LONG_TABLES[table])})
    return out_users, out


def _ordered_users(columns: list[str]) -> list[str]:
    return [c for c in USER_COLUMNS if c in columns]


def _text(series: pd.Series) -> pd.Series:
    """Arrow dates/timestamps (pyarrow's guesses for "1980-12-21") back to their text."""
    kind = series.dtype.pyarrow_dtype if isinstance(series.dtype, pd.ArrowDtype) else None
    if kind is not None and pa.types.is_timestamp(kind):
        return series.dt.strftime("%Y-%m-%d").astype("string[pyarrow]")
    return series


def _times(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_null(series.dtype.pyarrow_dtype):
        return pd.Series(pd.NaT, index=series.index, dtype="datetime64[us, UTC]")
    text = series.astype("str").str.replace(" UTC", "+00:00", regex=False)
    return pd.to_datetime(text, utc=True, format="ISO8601")


def _user_ids(raw: pd.DataFrame) -> pd.Series:
    uid = pd.Series(pd.NA, index=raw.index, dtype="string[pyarrow]")
    for key in ("braze_id", "external_id"):
        if key in raw:
            values = raw[key].astype("string[pyarrow]")
            uid = values.where(values.fillna("") != "", uid)
    if "user_aliases" in raw and uid.isna().any():
        first = raw["user_aliases"].list[0].struct.field("alias_name")
        alias = ("alias:" + first.astype("string[pyarrow]")).where(first.fillna("") != "")
        uid = uid.fillna(alias)
    return uid


def _pandas_flatten(raw: pd.DataFrame) -> Frames:
    uid = _user_ids(raw)
    users: dict[str, Any] = {"user_id": uid}
    tables: dict[str, pd.DataFrame] = {}
    for name in raw.columns:
        column = raw[name]
        if name == "custom_attributes":
            tables[name] = _pandas_attributes(column, uid)
        elif name in LONG_TABLES:
            tables.update(_pandas_long(name, column, uid))
        elif name == "last_coordinates":
            pairs = column.list.len() == 2
            users["longitude"] = column.list[0].where(pairs).astype("float64")
            users["latitude"] = column.list[1].where(pairs).astype("float64")
        elif name in TIME_COLUMNS:
            users[name] = _times(column)
        else:
            users[name] = _text(column)
    return pd.DataFrame(users), tables


def _items(column: pd.Series, uid: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    lengths = column.list.len().fillna(0).astype("int64").to_numpy()
    items = column.list.flatten()
    owners = np.repeat(uid.to_numpy(), lengths)
    keep = items.notna().to_numpy()
    fields = items.struct.explode()
    return fields[keep].reset_index(drop=True), owners[keep]


def _pandas_long(name: str, column: pd.Series, uid: pd.Series) -> dict[str, pd.DataFrame]:
    fields, owners = _items(column, uid)
    out: dict[str, pd.DataFrame] = {}
    if name == "campaigns_received" and "engaged" in fields:
        engaged = fields.pop("engaged").struct.explode()
        for flag in engaged.columns:
            fields[flag] = engaged[flag]
        if "multiple_converted" in fields:
            fields["multiple_converted"] = _true_keys(fields["multiple_converted"])
    if name == "canvases_received" and "steps_received" in fields:
        steps = fields["steps_received"]
        canvas = fields[["api_canvas_id", "name"]].rename(columns={"name": "canvas_name"})
        step_fields, step_owner = _items(steps, pd.Series(np.arange(len(steps))))
        step_rows = canvas.iloc[step_owner.astype("int64")].reset_index(drop=True)
        step_rows.insert(0, "user_id", owners[step_owner.astype("int64")])
        step_frame = pd.concat([step_rows, step_fields], axis=1)
        out["canvas_steps_received"] = _columns("canvas_steps_received", step_frame)
        fields["steps_received"] = steps.list.len().astype("int64[pyarrow]")
    fields.insert(0, "user_id", owners)
    out[name] = _columns(name, fields)
    return out


def _columns(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for c in ("user_id", *LONG_TABLES[name]):
        values = frame[c] if c in frame else pd.Series(pd.NA, index=frame.index, dtype="object")
        out[c] = _times(values) if c in TIME_COLUMNS else values
    return pd.DataFrame(out)


def _true_keys(values: pd.Series) -> pd.Series:
    flags = values.struct.explode()
    joined = pd.Series("", index=values.index, dtype="str")
    for key in flags.columns:
        joined = joined + flags[key].fillna(False).map({True: key + "; ", False: ""}).astype("str")
    return joined.str.removesuffix("; ").replace("", pd.NA)


_KINDS = (
    (pa.types.is_string, "string"),
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_integer, "number"),
    (pa.types.is_floating, "number"),
    (pa.types.is_list, "array"),
    (pa.types.is_struct, "object"),
    (pa.types.is_timestamp, "string"),
    (pa.types.is_date, "string"),
)


def _pandas_attributes(column: pd.Series, uid: pd.Series) -> pd.DataFrame:
    attributes = column.struct.explode()
    pieces = []
    for name in attributes.columns:
        values = attributes[name]
        kind = values.dtype.pyarrow_dtype
        label = next((label for test, label in _KINDS if test(kind)), None)
        if label is None:  # all null: not listed
            continue
        present = values.notna().to_numpy()
        if not present.any():
            continue
        values = values[present]
        if label == "boolean":
            text = values.map({True: "true", False: "false"}).astype("str")
        elif label in ("array", "object"):
            text = pd.Series(
                [json.dumps(v, ensure_ascii=False) for v in values.tolist()], dtype="str"
            )
        elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            text = _text(values).astype("str")
        else:
            text = values.astype("str")
        pieces.append(
            pd.DataFrame(
                {
                    "row": np.flatnonzero(present),
                    "attribute": name,
                    "value": text.to_numpy(),
                    "type": label,
                }
            )
        )
    if not pieces:
        return pd.DataFrame({c: [] for c in ("user_id", "attribute", "value", "type")})
    long = pd.concat(pieces, ignore_index=True).sort_values("row", kind="stable")
    long.insert(0, "user_id", uid.to_numpy()[long.pop("row").to_numpy()])
    return long.reset_index(drop=True)
