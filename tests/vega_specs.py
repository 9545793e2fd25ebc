"""Reading Vega-Lite chart specs in tests: layers, encodings, data, and schema validation."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

Spec = dict[str, Any]


def layers(spec: Spec) -> list[Spec]:
    """A chart's drawn layers (a single-view spec is its own one layer)."""
    return list(spec["layer"]) if "layer" in spec else [spec]


def mark_type(layer: Spec) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def data_of(spec: Spec, layer: Spec | None = None) -> pd.DataFrame:
    """The frame a layer draws (its own named dataset, else the chart's main one)."""
    name = ((layer or {}).get("data") or spec.get("data") or {}).get("name", "main")
    return spec["datasets"][name]


def axis_title(spec: Spec, channel: str) -> str | None:
    """The title shown on the ``x`` or ``y`` axis (the first layer that sets one)."""
    for layer in layers(spec):
        encoding = layer.get("encoding", {}).get(channel)
        if encoding and encoding.get("title"):
            return str(encoding["title"])
    return None


def axis_format(spec: Spec, channel: str) -> str | None:
    for layer in layers(spec):
        encoding = layer.get("encoding", {}).get(channel)
        if encoding and (encoding.get("axis") or {}).get("format"):
            return str(encoding["axis"]["format"])
    return None


def tooltips(layer: Spec) -> list[Spec]:
    tips = layer.get("encoding", {}).get("tooltip", [])
    return [tips] if isinstance(tips, dict) else list(tips)


def texts(spec: Spec) -> Iterator[str]:
    """Every string value of every dataset (what the browser may draw as text)."""
    for frame in spec.get("datasets", {}).values():
        for column in frame.columns:
            for value in frame[column]:
                if isinstance(value, str):
                    yield value


@functools.cache
def _validator() -> Any:
    import altair
    import jsonschema

    path = Path(altair.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json"
    schema = json.loads(path.read_text())
    return jsonschema.Draft7Validator(schema)


def schema_errors(spec: Spec) -> list[str]:
    """Where ``spec`` breaks the Vega-Lite schema (datasets as the records Streamlit sends)."""
    plain = dict(spec)
    plain["datasets"] = {
        name: json.loads(frame.to_json(orient="records", date_format="iso"))
        for name, frame in spec.get("datasets", {}).items()
    }
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}"
        for error in _validator().iter_errors(plain)
    ]


def sent_spec(element: Any) -> Spec:
    """An AppTest ``vega_lite_chart`` element's spec with its datasets read back from Arrow."""
    spec = json.loads(element.proto.spec)
    datasets = {d.name: _arrow_frame(d.data.data) for d in element.proto.datasets}
    if element.proto.data.data:
        datasets["main"] = _arrow_frame(element.proto.data.data)
    spec["datasets"] = datasets
    return spec


def _arrow_frame(data: bytes) -> pd.DataFrame:
    return pa.ipc.open_stream(data).read_pandas()
