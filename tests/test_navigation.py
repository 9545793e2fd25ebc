"""The page table: stable addresses, and the rule that keeps deep links going through app.py."""

from __future__ import annotations

import ast
import re

from dashboard.navigation import DEFAULT_URL_PATH, HOME_URL_PATH, PAGES, page_for
from tests.conftest import ROOT

STABLE_ADDRESSES = {
    "overview",
    "kpis",
    "campaigns",
    "canvases",
    "news-feed",
    "revenue",
    "events",
    "custom-attributes",
    "segments",
    "user-lookup",
    "control-group",
}


def _legacy_names(stem: str) -> set[str]:
    """Names Streamlit's legacy multipage mode could serve a file under (``01_x`` -> ``x``)."""
    bare = re.sub(r"^[0-9]+[_ -]*", "", stem)
    names = {stem, bare}
    return {n.lower() for n in names} | {n.lower().replace("_", "-") for n in names}


def test_the_addresses_stay_stable() -> None:
    assert {spec.url_path for spec in PAGES} == STABLE_ADDRESSES
    assert page_for(DEFAULT_URL_PATH).title == "What changed"  # the root opens the overview
    assert page_for("kpis").file == "pages/kpi_overview.py"  # and /kpis stays where it was


def test_every_page_file_is_in_the_table_and_exists() -> None:
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert on_disk == {spec.file for spec in PAGES}


def test_no_file_stem_equals_any_url_path() -> None:
    """Otherwise a deep link could run that file without app.py (legacy multipage mode)."""
    url_paths = {spec.url_path.lower() for spec in PAGES} | {HOME_URL_PATH}
    for path in (ROOT / "pages").glob("*.py"):
        clash = _legacy_names(path.stem) & url_paths
        assert not clash, f"pages/{path.name} would shadow the address /{clash.pop()}"


def test_every_page_first_checks_that_it_runs_inside_app_py() -> None:
    """`require_app()` is each page's first statement after its imports."""
    for path in (ROOT / "pages").glob("*.py"):
        body = ast.parse(path.read_text()).body
        statements = [
            node
            for node in body
            if not isinstance(node, ast.Import | ast.ImportFrom | ast.If)
            and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        ]
        assert ast.unparse(statements[0]) == "require_app()", (
            f"{path.name}: {ast.unparse(statements[0])}"
        )
