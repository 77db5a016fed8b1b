import pytest
import torch

from gnncore.gnn.data import datasets
from gnncore.gnn.data.datasets import DATASETS, DatasetUnavailable, availability, load_node_data
from gnncore.gnn.data.splits import per_class_split
from gnncore.gnn.data.synthetic import csbm
from gnncore.spec import SpecError
from mirror import needs_mirror


@needs_mirror("Planetoid/Cora", "Planetoid/CiteSeer")
@pytest.mark.parametrize("name, split", [("Cora", (140, 500, 1000)), ("CiteSeer", (120, 500, 1000))])
def test_planetoid_matches_registry_and_public_split(name, split):
    data = load_node_data(name)
    meta = DATASETS[name]
    assert (data.num_nodes, data.num_edges, data.num_features, data.num_classes) == (
        meta.nodes, meta.edges, meta.features, meta.classes)
    assert tuple(int(m.sum()) for m in (data.train_mask, data.val_mask, data.test_mask)) == split
    # NormalizeFeatures: every non-empty row sums to one
    sums = data.x.sum(1)
    assert torch.allclose(sums[sums > 0], torch.ones(int((sums > 0).sum())), atol=1e-5)


@needs_mirror("Amazon/Photo")
def test_amazon_photo_follows_shchur_et_al_largest_component_raw_features_split_from_seed():
    a, b = load_node_data("Photo", seed=0), load_node_data("Photo", seed=1)
    meta = DATASETS["Photo"]
    # their Table 1: the largest connected component, 7,487 nodes and 119,043 edges
    assert (a.num_nodes, a.num_edges, a.num_features) == (7487, 2 * 119043, meta.features)
    assert "7,487 nodes" in meta.split
    # bag-of-words as published (0/1), not row-normalised as GCN's authors did for Planetoid
    assert set(a.x.unique().tolist()) == {0.0, 1.0}
    for c in range(meta.classes):
        assert int(a.train_mask[a.y == c].sum()) == 20
        assert int(a.val_mask[a.y == c].sum()) == 30
    assert not torch.equal(a.train_mask, b.train_mask)
    assert torch.equal(a.train_mask, load_node_data("Photo", seed=0).train_mask)


def test_per_class_split_is_a_partition():
    y = torch.arange(300) % 3
    train, val, test = per_class_split(y, 20, 30, seed=4)
    assert int(train.sum()) == 60 and int(val.sum()) == 90 and int(test.sum()) == 150
    assert not (train & val).any() and not (train & test).any() and not (val & test).any()
    assert bool((train | val | test).all())


@pytest.mark.parametrize("h", [0.2, 0.9])
def test_csbm_homophily_knob_sets_fraction_of_same_class_edges(h):
    data = csbm(nodes=2000, homophily=h, seed=1)
    src, dst = data.edge_index
    measured = float((data.y[src] == data.y[dst]).float().mean())
    assert abs(measured - h) < 0.03
    assert not bool((src == dst).any())


def test_csbm_signal_zero_leaves_features_uninformative():
    strong, none = csbm(signal=3.0, seed=0), csbm(signal=0.0, seed=0)

    def separation(d):
        means = torch.stack([d.x[d.y == c].mean(0) for c in range(4)])
        return float(torch.cdist(means, means).max())

    assert separation(strong) > 2.0 > 0.5 > separation(none)


def test_karate_club_is_built_in():
    data = load_node_data("KarateClub")
    assert data.num_nodes == 34 and int(data.train_mask.sum()) == 4
    assert int((data.val_mask | data.test_mask).sum()) == 30
    assert availability("KarateClub") == "built-in"


def test_unknown_dataset_names_the_choices():
    with pytest.raises(SpecError, match="Unknown dataset 'Coraa'.*Cora, CiteSeer"):
        load_node_data("Coraa")


def test_missing_dataset_offline_raises_one_clear_sentence(monkeypatch, tmp_path):
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("GNNCORE_MIRROR", str(tmp_path / "empty-mirror"))
    datasets.clear_cache()
    with pytest.raises(DatasetUnavailable) as err:
        load_node_data("PubMed")
    message = str(err.value)
    assert "ind.pubmed.x" in message and str(tmp_path / "cache") in message
    assert "GNNCORE_MIRROR" in message and "\n" not in message
    assert availability("PubMed") == "not available offline"


@needs_mirror("Planetoid/Cora")
def test_mirror_is_copied_into_the_cache_never_written(monkeypatch, tmp_path):
    from mirror import MIRROR
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path))
    before = sorted(p.name for p in (MIRROR / "Planetoid" / "Cora").rglob("*"))
    datasets.clear_cache()
    load_node_data("Cora")
    assert (tmp_path / "Planetoid" / "Cora" / "raw" / "ind.cora.x").exists()
    assert sorted(p.name for p in (MIRROR / "Planetoid" / "Cora").rglob("*")) == before
    assert availability("Cora") == "cached"


def test_cache_lock_lets_one_writer_in_at_a_time():
    """Worker processes loading one dataset take turns writing its cache (flock: two
    opens of the lock file exclude each other even within one process)."""
    import threading
    import time

    from gnncore.gnn.data.mirror import cache_lock
    order = []

    def second():
        with cache_lock("Cora"):
            order.append("second in")

    with cache_lock("Cora"):
        other = threading.Thread(target=second)
        other.start()
        time.sleep(0.3)
        order.append("first out")
    other.join(5)
    assert order == ["first out", "second in"]


@needs_mirror("WebKB/texas", "Actor")
@pytest.mark.parametrize("name, nodes, edges, homophily", [("Texas", 183, 325, 0.11), ("Actor", 7600, 30019, 0.22)])
def test_heterophilous_graphs_train_on_one_geom_gcn_split_per_seed(name, nodes, edges, homophily):
    from gnncore.gnn.kernels.measures import homophily as measure
    from gnncore.runs import resolve
    from gnncore.spec import RunSpec

    a, b = load_node_data(name, seed=0), load_node_data(name, seed=9)
    assert (a.num_nodes, a.num_edges) == (nodes, edges) == (DATASETS[name].nodes, DATASETS[name].edges)
    assert a.train_mask.dim() == 1 and not torch.equal(a.train_mask, b.train_mask)
    assert not (a.train_mask & a.test_mask).any() and not (a.val_mask & a.test_mask).any()
    assert round(measure(a.edge_index, a.y)["edge"], 2) == homophily  # as the mirror's README says
    with pytest.raises(SpecError, match="has 10 fixed splits, one per seed: use seeds 0 to 9"):
        resolve(RunSpec.make("node", name, "gcn", seed=10))
