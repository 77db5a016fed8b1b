"""The home page: what the app does, a link to every page, and where each dataset's files are."""

from pathlib import Path

from gnncore.gnn.data.datasets import DATASETS

ROOT = Path(__file__).resolve().parents[2]


def test_home_links_every_page_and_lists_dataset_availability(pages):
    at = pages.open("app.py")
    pages.no_exceptions(at)
    assert at.title[0].value
    links = {link.proto.page for link in at.main.get("page_link")}  # the pages' URL paths
    on_disk = {p.stem.split("_", 1)[1] for p in (ROOT / "pages").glob("*.py")}
    assert links == on_disk and "GNN_Arena" in links
    menu = [(link.proto.label, link.proto.page) for link in at.sidebar.get("page_link")]
    assert menu[0] == ("Home", "") and {page for _, page in menu[1:]} == on_disk

    table = at.dataframe[0].value
    assert len(table) == len(DATASETS)
    files = dict(zip(table["Dataset"], table["Files"]))
    assert files["Synthetic CSBM"] == "built-in"
    assert files["Zachary's karate club"] == "built-in"
    assert files["Cora"] in ("cached", "in offline mirror")
    sizes = dict(zip(table["Dataset"], table["Size"]))
    assert sizes["PubMed"] == "8.6 MB" and sizes["Synthetic CSBM"] == "no file"


def test_home_says_which_datasets_cannot_be_had_offline(pages, tmp_path, monkeypatch):
    monkeypatch.setenv("GNNCORE_MIRROR", str(tmp_path / "empty-mirror"))
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "empty-cache"))
    at = pages.open("app.py")
    pages.no_exceptions(at)
    files = dict(zip(at.dataframe[0].value["Dataset"], at.dataframe[0].value["Files"]))
    assert files["PubMed"].startswith("not available")
    assert files["Synthetic CSBM"] == "built-in"

    monkeypatch.delenv("GNNCORE_OFFLINE")
    at = pages.open("app.py")
    files = dict(zip(at.dataframe[0].value["Dataset"], at.dataframe[0].value["Files"]))
    assert files["PubMed"] == "downloads on first use (8.6 MB)"
