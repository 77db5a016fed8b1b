"""The run store: finished runs, their artifacts, and the user's tags and notes in one SQLite
file. The only code in the project that speaks SQL."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Iterable

from gnncore import config
from gnncore.runs.engines import facts, kinds
from gnncore.spec import RunResult, RunSpec


class RunStore:
    """Finished runs in one SQLite file, keyed by the spec's hash.

    One row per run, written in a single transaction after the run has finished, so a
    cancelled or crashed run leaves nothing behind. The file is checked when opened: one
    SQLite cannot read (not a database, truncated) or written by another schema version is
    moved aside, never deleted, and a new one started; ``notice`` then says where the old
    one went. Moving aside rather than refusing keeps the tool working while the user's
    data stays on disk for them to inspect. A path that is not a regular file (a folder, a
    device) is not a store at all: it is refused with a ConfigError and left as it is.
    """

    SCHEMA_VERSION = 1

    def __init__(self, path: str | Path | None = None):
        # A folder or a device named as the store is refused here (ConfigError), never moved.
        self.path = config.usable_store(Path(path)) if path else config.store_path()
        self.notice: str | None = None
        try:
            problem = self._check()
        except sqlite3.DatabaseError as e:
            problem = f"SQLite cannot read it ({e})"
        if problem:
            self.notice = self._move_aside(problem)
        try:
            self._create()
        except (sqlite3.OperationalError, OSError) as e:
            raise config.ConfigError(f"The run store {self.path} cannot be written ({e}); set GNNCORE_STORE "
                                     "to a file in a folder you can write to.") from None

    def _create(self) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS runs ("
                " key TEXT PRIMARY KEY, kind TEXT, dataset TEXT, model TEXT, seed INTEGER,"
                " spec TEXT, metrics TEXT, history TEXT, tables TEXT, created REAL)")
            # Artifacts (weights, snapshots) apart from the numbers: listing runs never reads them.
            db.execute(
                "CREATE TABLE IF NOT EXISTS artifacts ("
                " key TEXT, name TEXT, data BLOB, PRIMARY KEY (key, name))")
            # Tags and notes (gnncore.history) need no new schema version: an older store gains
            # them empty and keeps its runs.
            db.execute("CREATE TABLE IF NOT EXISTS tags (key TEXT, tag TEXT, PRIMARY KEY (key, tag))")
            db.execute("CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, note TEXT, updated REAL)")
            db.execute(f"PRAGMA user_version = {self.SCHEMA_VERSION}")

    def _check(self) -> str | None:
        """What is wrong with the file, or None. Checked once per file and process, since the
        page opens the store on every rerun and our own writes only grow a sound store; a
        file put in its place (another inode) or cut shorter is checked again."""
        if not self.path.exists():
            return None
        stat = self.path.stat()
        seen = _CHECKED.get(str(self.path.resolve()))
        if seen is not None and seen[0] == stat.st_ino and stat.st_size >= seen[1]:
            return None
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return "it is damaged (SQLite's integrity check failed)"
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        if tables and version != self.SCHEMA_VERSION:
            return f"it was written by another version of gnncore (schema {version}, this one reads {self.SCHEMA_VERSION})"
        self._seen()
        return None

    def _move_aside(self, problem: str) -> str:
        if not self.path.is_file():  # only a file SQLite made is ours to move
            raise config.ConfigError(f"The run store {self.path} is not a file SQLite can use ({problem}); "
                                     "set GNNCORE_STORE to a file.")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}{self.path.suffix}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}-{n}{self.path.suffix}")
        self.path.rename(aside)
        for extra in ("-wal", "-shm"):  # SQLite's side files belong with the old store
            side = self.path.with_name(self.path.name + extra)
            if side.exists():
                side.rename(aside.with_name(aside.name + extra))
        return (f"The run store {self.path} could not be used: {problem}. It was moved to {aside} "
                "(nothing was deleted) and a new, empty run store started; earlier runs train again "
                "when asked for.")

    def _connect(self) -> sqlite3.Connection:
        # A fresh connection per call: the store is shared by the page's worker thread and
        # the script thread, and sqlite3 connections must not cross threads.
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, spec: RunSpec) -> RunResult | None:
        """The stored run, without its artifacts; None where it is missing or lacks one of
        the artifacts its engine keeps (stored by an earlier version)."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT spec, metrics, history, tables FROM runs WHERE key = ?",
                             (spec.key,)).fetchone()
            kept = {name for (name,) in db.execute("SELECT name FROM artifacts WHERE key = ?", (spec.key,))}
        keeps = facts(spec.kind).keeps if spec.kind in kinds() else ()
        if row is None or not set(keeps) <= kept:
            return None
        return _from_row(row)

    def artifact(self, spec: RunSpec, name: str) -> bytes | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT data FROM artifacts WHERE key = ? AND name = ?",
                             (spec.key, name)).fetchone()
        return bytes(row[0]) if row else None

    def put(self, result: RunResult) -> None:
        """Store a run and its artifacts in one transaction."""
        s = result.spec
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (s.key, s.kind, s.dataset, s.model, s.seed, json.dumps(s.to_dict()),
                 json.dumps(result.metrics), json.dumps(result.history),
                 json.dumps(result.tables), time.time()))
            db.execute("DELETE FROM artifacts WHERE key = ?", (s.key,))
            db.executemany("INSERT INTO artifacts VALUES (?, ?, ?)",
                           [(s.key, name, sqlite3.Binary(data)) for name, data in result.artifacts.items()])
        self._seen()

    def _seen(self) -> None:
        """Remember the file as sound at its present size: one cut shorter is checked again."""
        stat = self.path.stat()
        _CHECKED[str(self.path.resolve())] = (stat.st_ino, stat.st_size)

    def results(self, kind: str | None = None) -> list[RunResult]:
        query, args = "SELECT spec, metrics, history, tables FROM runs", ()
        if kind:
            query, args = query + " WHERE kind = ?", (kind,)
        with closing(self._connect()) as db:
            rows = db.execute(query + " ORDER BY created", args).fetchall()
        return [_from_row(r) for r in rows]

    def __len__(self) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def by_keys(self, keys: Iterable[str]) -> list[RunResult]:
        """The stored runs with these keys (without artifacts), in the order given."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, RunResult] = {}
        with closing(self._connect()) as db:
            for i in range(0, len(keys), 500):  # SQLite's limit on bound parameters
                chunk = keys[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for key, *row in db.execute(
                        f"SELECT key, spec, metrics, history, tables FROM runs WHERE key IN ({marks})", chunk):
                    found[key] = _from_row(row)
        return [found[k] for k in keys if k in found]

    def delete(self, keys: Iterable[str]) -> int:
        """Delete runs with their artifacts, tags and notes in one transaction; how many went.
        The file is then compacted (VACUUM), so the space is given back to the disk."""
        keys = list(dict.fromkeys(keys))
        deleted = 0
        with closing(self._connect()) as db:
            with db:
                for i in range(0, len(keys), 500):
                    chunk = keys[i:i + 500]
                    marks = ",".join("?" * len(chunk))
                    deleted += db.execute(f"DELETE FROM runs WHERE key IN ({marks})", chunk).rowcount
                    for table in ("artifacts", "tags", "notes"):
                        db.execute(f"DELETE FROM {table} WHERE key IN ({marks})", chunk)
            if deleted:
                db.execute("VACUUM")
        self._seen()  # smaller now, and sound
        return deleted

    def delete_where(self, dataset: str | None = None, kind: str | None = None) -> int:
        """Delete every run on ``dataset`` (any case) and/or of ``kind``; how many went."""
        where, args = [], []
        if dataset is not None:
            where.append("LOWER(dataset) = LOWER(?)")
            args.append(dataset)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if not where:
            raise ValueError("delete_where needs a dataset or a kind")
        with closing(self._connect()) as db:
            keys = [k for (k,) in db.execute(f"SELECT key FROM runs WHERE {' AND '.join(where)}", args)]
        return self.delete(keys) if keys else 0

    def summaries(self) -> list[dict]:
        """Every run, newest first, as a dict of ``key, kind, dataset, model, seed, created``
        (seconds since the epoch), ``spec`` and ``metrics`` (dicts), ``tags`` (list, in name
        order) and ``note`` ("" for none); never the history or the artifacts, which listing
        does not need and which dwarf the rest."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT key, kind, dataset, model, seed, spec, metrics, created FROM runs "
                              "ORDER BY created DESC").fetchall()
            tags: dict[str, list[str]] = {}
            for key, tag in db.execute("SELECT key, tag FROM tags ORDER BY tag"):
                tags.setdefault(key, []).append(tag)
            notes = dict(db.execute("SELECT key, note FROM notes"))
        return [{"key": key, "kind": kind, "dataset": dataset, "model": model, "seed": seed,
                 "created": created, "spec": json.loads(spec), "metrics": json.loads(metrics),
                 "tags": tags.get(key, []), "note": notes.get(key, "")}
                for key, kind, dataset, model, seed, spec, metrics, created in rows]

    def add_tag(self, keys: Iterable[str], tag: str) -> int:
        """Tag the runs with these keys; how many gained the tag (those that had it do not count)."""
        with closing(self._connect()) as db, db:
            return db.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)",
                                  [(k, tag) for k in keys]).rowcount

    def remove_tag(self, keys: Iterable[str], tag: str) -> int:
        """Take the tag off the runs with these keys; how many had it."""
        with closing(self._connect()) as db, db:
            return db.executemany("DELETE FROM tags WHERE key = ? AND tag = ?",
                                  [(k, str(tag)) for k in keys]).rowcount

    def set_note(self, keys: Iterable[str], note: str) -> None:
        """The same note on every run named; an empty note removes theirs."""
        with closing(self._connect()) as db, db:
            if note:
                db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?)",
                               [(k, note, time.time()) for k in keys])
            else:
                db.executemany("DELETE FROM notes WHERE key = ?", [(k,) for k in keys])

    def size_bytes(self) -> int:
        """The store's size on disk, SQLite's side files included."""
        return sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + "-wal"))
                   if p.exists())


_CHECKED: dict[str, tuple[int, int]] = {}  # run store found sound in this process: (inode, size)


def _from_row(row) -> RunResult:
    spec, metrics, history, tables = (json.loads(x) for x in row)
    return RunResult(RunSpec.from_dict(spec), metrics, history, tables, cached=True)
