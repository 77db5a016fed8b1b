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
    assert (sizes["Reddit"], sizes["Flickr"], sizes["ogbn-arxiv (OGB)"]) == ("1.3 GB", "220 MB", "81 MB")
    assert "MB)" not in " ".join(table["Files"])  # the size once, in its own column
    widths = {c["name"]: c.get("width") for c in _columns(at)}
    assert set(widths) == set(table.columns) and all(widths.values()) and sum(widths.values()) <= 900  # every column sized; together they fit


def _columns(at) -> list[dict]:
    import json

    config = json.loads(at.dataframe[0].proto.columns or "{}")
    return [dict(name=name, width=c.get("width")) for name, c in config.items() if not name.startswith("_")]


def test_home_and_datasets_list_say_the_same_offline(pages, capsys):
    """ogbn-arxiv, Flickr and Reddit are in neither the cache nor the mirror: the CLI said
    "downloads on first use" where Home said "not available offline"."""
    from gnncore.cli import main
    from gnncore.gnn.data.datasets import availability

    assert main(["datasets", "list"]) == 0
    listed = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    at = pages.open("app.py")
    files = dict(zip(at.dataframe[0].value["Dataset"], at.dataframe[0].value["Files"]))
    for name, title in (("ogbn-arxiv", "ogbn-arxiv (OGB)"), ("Flickr", "Flickr"), ("Reddit", "Reddit")):
        assert availability(name) == files[title] == "not available offline"
        assert "not available offline" in listed[name]


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
    assert files["PubMed"] == "downloads on first use"
