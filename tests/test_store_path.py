"""Where the run store and the data cache live: a path that cannot be one is refused in one
sentence (a ConfigError, which the pages show as any SpecError) and left exactly as it was."""

import sqlite3

import pytest

from gnncore import config
from gnncore.cli import main
from gnncore.runs import RunStore, default_workers
from gnncore.spec import SpecError


def test_a_folder_named_as_the_store_is_refused_and_never_moved(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "mystuff"
    folder.mkdir()
    (folder / "thesis.tex").write_text("months of work\n")
    monkeypatch.setenv("GNNCORE_STORE", str(folder))
    rc = main(["runs", "list"])  # read-only, and it used to rename the folder and exit 0
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert f"GNNCORE_STORE names {folder}, which is a folder, not a file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mystuff"]
    assert (folder / "thesis.tex").read_text() == "months of work\n"


def test_the_store_refuses_a_folder_given_in_code_too(tmp_path):
    with pytest.raises(config.ConfigError, match="is a folder, not a file"):
        RunStore(tmp_path)
    assert issubclass(config.ConfigError, SpecError)  # what the pages already show as one sentence


def test_a_damaged_sqlite_file_is_still_moved_aside(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    store = RunStore(path)
    assert store.notice and "nothing was deleted" in store.notice
    assert len(list(tmp_path.glob("runs.unreadable-*.sqlite"))) == 1 and len(store) == 0


@pytest.mark.parametrize("variable, value, phrase", [
    ("GNNCORE_STORE", "/dev/null", "GNNCORE_STORE names /dev/null, which is not a regular file"),
    ("GNNCORE_STORE", "{tmp}/afile/runs.sqlite", "but {tmp}/afile is a file, not a folder"),
    ("GNNCORE_STORE", "/proc/gnncore/runs.sqlite", "whose folder cannot be created"),
    ("GNNCORE_DATA", "{tmp}/afile", "GNNCORE_DATA names {tmp}/afile, which is a file, not a folder"),
    ("GNNCORE_DATA", "/proc/gnncore", "GNNCORE_DATA names /proc/gnncore, which cannot be created"),
    ("GNNCORE_WORKERS", "abc", "GNNCORE_WORKERS must be a whole number of training processes, 1 or more"),
    ("GNNCORE_WORKERS", "0", "not '0'"),
])
def test_an_unusable_setting_is_one_sentence_exit_2(variable, value, phrase, tmp_path, monkeypatch, capsys):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv(variable, value.format(tmp=tmp_path))
    if variable == "GNNCORE_DATA":
        monkeypatch.setenv("GNNCORE_STORE", "")  # the store then lives in the data folder
    rc = main(["gnn", "--dataset", "CSBM", "--models", "mlp", "--seeds", "1", "--epochs", "2"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert phrase.format(tmp=tmp_path) in err


def test_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("GNNCORE_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("GNNCORE_WORKERS", "three")
    with pytest.raises(config.ConfigError):
        default_workers()


def test_a_mirror_that_is_not_there_is_called_out(tmp_path, monkeypatch, capsys):
    from gnncore.gnn.data import datasets

    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("GNNCORE_MIRROR", str(tmp_path / "typo"))
    datasets.clear_cache()
    assert main(["gnn", "--dataset", "CiteSeer", "--models", "mlp", "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert f"the mirror folder {tmp_path / 'typo'} named by GNNCORE_MIRROR does not exist" in err
    assert err.count("\n") == 1


def test_a_good_store_still_opens_where_the_data_folder_is_new(tmp_path, monkeypatch):
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "new" / "cache"))
    monkeypatch.setenv("GNNCORE_STORE", "")
    store = RunStore()
    assert store.path == tmp_path / "new" / "cache" / "runs.sqlite" and len(store) == 0
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == RunStore.SCHEMA_VERSION
