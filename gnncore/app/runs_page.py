"""The Runs page: every stored run, filtered, ticked, tagged, annotated, deleted, compared
with the arena's own results section, exported; and the upload of the user's own graph.

The list comes from :func:`gnncore.history.runs_table` (summary columns only, read again
only when the store's files change); only the runs being compared are read in full.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from gnncore import history
from gnncore.app import export_ui, groups, posenc_results, results
from gnncore.app.comparison import view_failed
from gnncore.charts.theme import display_name, is_fraction, metric_label
from gnncore.gnn.data import userdata
from gnncore.gnn.data.datasets import all_datasets
from gnncore.runs import RunStore, facts, kinds

MAX_COMPARE = 300  # runs read in full and charted at once; more would take seconds a redraw
ANY = "any"


def open_store() -> RunStore:
    store = RunStore()
    if store.notice:
        st.session_state["_store_notice"] = store.notice
    if st.session_state.get("_store_notice"):
        st.warning(st.session_state["_store_notice"], icon=":material/warning:")
    return store


def _stamp(store: RunStore) -> tuple:
    """Changes whenever anything writes the store (this page, another tab, the CLI)."""
    out = [str(store.path)]
    for p in (store.path, store.path.with_name(store.path.name + "-wal")):
        try:
            s = p.stat()
            out += [s.st_mtime_ns, s.st_size]
        except OSError:
            out += [0, 0]
    return tuple(out)


def stored_runs(store: RunStore) -> pd.DataFrame:
    """The store's summary table, kept for this session until the store changes."""
    key = _stamp(store)
    last = st.session_state.get("_runs_table")
    if last is None or last[0] != key:
        last = (key, history.runs_table(store))
        st.session_state["_runs_table"] = last
    return last[1]


# ---- filters (sidebar) ----

def filters(table: pd.DataFrame) -> history.Filter:
    """The sidebar's filters, each offering only the values the stored runs have."""
    f = history.Filter()
    with st.sidebar:
        st.subheader("Filter runs")
        present = list(dict.fromkeys(k for k in kinds() if k in set(table["kind"])))
        f.kinds = st.multiselect("Task", present, key="runs:kind", format_func=lambda k: facts(k).title,
                                 placeholder="every task")
        rows = history.apply(table, history.Filter(kinds=f.kinds))
        f.datasets = st.multiselect("Dataset", sorted(set(rows["dataset"]), key=str.lower), key="runs:dataset",
                                    placeholder="every dataset")
        rows = history.apply(rows, history.Filter(datasets=f.datasets))
        f.models = st.multiselect("Model", sorted(set(rows["model"])), key="runs:model",
                                  format_func=display_name, placeholder="every model")
        rows = history.apply(rows, history.Filter(models=f.models))
        tags = sorted({t.strip() for s in table["tags"] for t in s.split(",") if t.strip()})
        if tags:
            f.tags = st.multiselect("Tag", tags, key="runs:tag", placeholder="any tag or none")
        params = [p for p in history.param_columns(rows) if rows[p].notna().any()]
        for name in st.multiselect("Setting", params, key="runs:params", placeholder="filter by a hyperparameter",
                                   help="Pick a hyperparameter, then the values to keep."):
            values = sorted({history.setting_text(v) for v in rows[name].dropna()}, key=_sort_key)
            chosen = st.multiselect(f"{name} is", values, key=f"runs:param:{name}", placeholder="any value")
            if chosen:
                f.params[name] = chosen
        with st.container(horizontal=True):
            f.since = st.date_input("Stored from", value=None, key="runs:since", width=150)
            f.until = st.date_input("until", value=None, key="runs:until", width=150)
    return f


def _sort_key(text: str):
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


# ---- the list ----

def shown_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The list as the page shows it: readable columns, the settings that are set."""
    params = [p for p in history.param_columns(rows) if rows[p].notna().any()]
    fraction = rows["metric"].map(is_fraction)
    out = pd.DataFrame({
        "Stored": rows["created"].dt.strftime("%Y-%m-%d %H:%M"),
        "Task": rows["kind"].map(lambda k: facts(k).title if k in kinds() else k),
        "Dataset": rows["dataset"], "Model": rows["model"].map(display_name), "Seed": rows["seed"],
        "Metric": rows["metric"].map(metric_label),
        "Score": (rows["score"] * fraction.map({True: 100.0, False: 1.0})).round(2),
        "Tags": rows["tags"], "Note": rows["note"],
    })
    for p in params:
        out[p] = rows[p].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else history.setting_text(v))
    out["Key"] = rows["key"]
    return out.reset_index(drop=True)


def table_key(rows: pd.DataFrame) -> str:
    """The list's widget key: a new list (other filters, deleted runs) starts with no ticks,
    as the ticks are row positions."""
    return "runs:table:" + hashlib.sha1("|".join(rows["key"]).encode()).hexdigest()[:12]


def run_list(rows: pd.DataFrame, total: int) -> pd.DataFrame:
    """The filtered runs with a tick box per row; returns the selection: the ticked rows, or
    every row shown when none is ticked."""
    shown = shown_frame(rows)
    st.markdown(f"**{len(rows):,}** of {total:,} stored runs match the filters.")
    event = st.dataframe(shown, hide_index=True, key=table_key(rows), on_select="rerun",
                         selection_mode="multi-row", height=min(38 + 35 * len(shown), 420),
                         column_config={"Score": st.column_config.NumberColumn(
                             "Score", help="The headline metric (in % for accuracies and AUC); for the "
                                           "positional encodings, token accuracy on inputs longer than trained."),
                             "Key": st.column_config.TextColumn("Key", width="small")})
    ticked = list(event.selection.rows) if event is not None and hasattr(event, "selection") else []
    ticked = [i for i in ticked if 0 <= i < len(rows)]
    export_ui.table_download(shown.drop(columns=[]), "runs", "The list as CSV", key="runs_list")
    if ticked:
        st.caption(f"Selected: the {len(ticked)} ticked run{'s' if len(ticked) != 1 else ''}.")
        return rows.iloc[ticked]
    st.caption(f"Selected: all {len(rows):,} runs shown. Tick rows in the list to pick fewer.")
    return rows


# ---- tags, notes, deleting ----

def annotate(store: RunStore, selected: pd.DataFrame) -> None:
    keys, n = list(selected["key"]), len(selected)
    noun = f"{n:,} run{'s' if n != 1 else ''}"
    with st.expander(f"Tag or annotate the {noun} selected", icon=":material/sell:"):
        with st.form("runs:tag_form", border=False):
            tag = st.text_input("Tag", key="runs:new_tag", placeholder="e.g. baseline, lr sweep, useless")
            if st.form_submit_button(f"Add the tag to {noun}"):
                try:
                    history.add_tag(store, keys, tag)
                    st.session_state["_runs_message"] = f"Tagged {noun} '{history.clean_tag(tag)}'."
                    st.rerun()
                except ValueError as e:
                    st.error(str(e))
        present = sorted({t.strip() for s in selected["tags"] for t in s.split(",") if t.strip()})
        if present:
            with st.container(horizontal=True):
                gone = st.selectbox("Remove a tag", present, key="runs:old_tag", width=240)
                if st.button(f"Remove '{gone}' from {noun}", key="runs:untag"):
                    history.remove_tag(store, keys, gone)
                    st.session_state["_runs_message"] = f"Removed the tag '{gone}'."
                    st.rerun()
        with st.form("runs:note_form", border=False):
            first = selected["note"].iloc[0] if n == 1 else ""
            note = st.text_area("Note", value=first, key="runs:note", height=80,
                                help="The same note on every selected run; an empty note removes it.")
            if st.form_submit_button(f"Save the note on {noun}"):
                history.set_note(store, keys, note)
                st.session_state["_runs_message"] = f"Saved the note on {noun}." if note.strip() else \
                    f"Removed the note from {noun}."
                st.rerun()


def delete_controls(store: RunStore, selected: pd.DataFrame) -> None:
    """Delete the selection, after a confirmation that says how many (artifacts too)."""
    keys, n = tuple(selected["key"]), len(selected)
    noun = f"{n:,} run{'s' if n != 1 else ''}"
    ss = st.session_state
    if ss.get("_runs_confirm") not in (None, keys):
        ss["_runs_confirm"] = None  # the selection changed since Delete was pressed
    if ss.get("_runs_confirm") is None:
        if st.button(f"Delete the {noun} selected", key="runs:delete", icon=":material/delete:"):
            ss["_runs_confirm"] = keys
            st.rerun()
        return
    st.warning(f"Delete {noun} from the run store, with their trained weights, tags and notes? "
               "This cannot be undone.", icon=":material/warning:")
    with st.container(horizontal=True):
        if st.button(f"Yes, delete {noun}", key="runs:confirm", type="primary"):
            deleted = store.delete(keys)
            ss["_runs_confirm"] = None
            ss["_runs_message"] = f"Deleted {deleted:,} run{'s' if deleted != 1 else ''}."
            st.rerun()
        if st.button("Cancel", key="runs:cancel"):
            ss["_runs_confirm"] = None
            st.rerun()


def message() -> None:
    """What the last action did, once."""
    text = st.session_state.pop("_runs_message", None)
    if text:
        st.success(text, icon=":material/check_circle:")


# ---- comparing ----

def compare(store: RunStore, selected: pd.DataFrame) -> None:
    """The selection compared with the arena's results section (or the lab's), one task at
    a time; several datasets side by side."""
    st.subheader("Compare the selection")
    if selected.empty:
        st.caption("No run selected.")
        return
    present = [k for k in kinds() if k in set(selected["kind"])]
    kind = present[0]
    if len(present) > 1:
        kind = st.segmented_control("Task", present, key="runs:compare_kind", format_func=lambda k: facts(k).title,
                                    required=True, default=present[0]) or present[0]
        st.caption("The selection holds runs of several tasks: they are compared one task at a time.")
    rows = one_setting(selected[selected["kind"] == kind])
    if len(rows) > MAX_COMPARE:
        st.info(f"{len(rows):,} {facts(kind).title.lower()} runs are selected; narrow the filters or tick "
                f"rows to compare at most {MAX_COMPARE}.", icon=":material/filter_alt:")
        return
    if rows["dataset"].nunique() > 1:
        st.markdown("**Across datasets**: mean ± standard deviation (runs) of "
                    f"{metric_label(str(rows['metric'].iloc[0])).lower()}, per model and dataset.")
        st.dataframe(history.across_datasets(rows), hide_index=True, key="runs:across")
    chosen = history.results(store, history.for_comparison(rows)["key"])
    if not chosen:
        st.info("These runs are no longer in the run store.")
        return
    specs = [r.spec for r in chosen]
    try:
        if facts(kind).by_length:
            posenc_results.show_posenc_comparison(chosen, specs, training=False)
        else:
            results.show_gnn_comparison(chosen, specs, training=False, store=store)
    except Exception as e:  # noqa: BLE001 - one broken view must not take the export with it
        view_failed("The comparison", e)
        export_ui.zip_download(lambda: history.export_zip(chosen), f"{kind}_comparison.zip", key="runs:zip")


def one_setting(rows: pd.DataFrame) -> pd.DataFrame:
    """The runs of one setting group (:mod:`gnncore.app.groups`): where the selection holds a
    model, dataset and seed under several settings, a sentence says so, a table sets the
    groups side by side, and the user picks the group the results below show."""
    split = groups.setting_groups(rows)
    if len(split) == 1:
        return rows
    varied = groups.differing_settings(rows)
    twice = sorted({display_name(m) for m in rows.loc[rows.duplicated(
        subset=groups.identity_columns(rows), keep=False), "model"]})
    st.markdown(f"**Across settings**: the selection holds {', '.join(twice)} with the same dataset and seed "
                f"under different settings ({', '.join(varied)}), so the results below show one setting "
                "group at a time rather than pool them. Mean ± standard deviation (runs) of "
                f"{metric_label(str(rows['metric'].iloc[0])).lower()}, per model and setting:")
    st.dataframe(groups.across_settings(split), hide_index=True, key="runs:across_settings")
    labels = [g.label for g in split]
    if st.session_state.get("runs:group") not in labels:
        st.session_state["runs:group"] = labels[0]
    label = st.selectbox("Show the results of", labels, key="runs:group", width=520,
                         help="Each group holds every model, dataset and seed once.")
    return next(g.rows for g in split if g.label == label)


# ---- the user's own graph ----

FORMAT_HELP = (
    "**edges.csv**: columns `source,target`, one row per edge (node ids; edges count both ways).  \n"
    "**nodes.csv**: columns `id` (0 to N−1, each once), `label` (the class, a whole number from 0), "
    "any numeric feature columns, and optionally `split` (`train`, `val` or `test`); without it each run "
    "draws 60 / 20 / 20 per class from its seed.")


def upload_dataset() -> None:
    """Add a graph from two uploaded CSV files; each problem in one sentence, nothing stored then."""
    st.markdown(FORMAT_HELP)
    with st.form("runs:upload", border=False):
        name = st.text_input("Name", key="up:name", placeholder="MyGraph",
                             help="As the arena's dataset list and --dataset will spell it.")
        edges = st.file_uploader("Edge list (edges.csv)", type=["csv"], key="up:edges")
        nodes = st.file_uploader("Nodes (nodes.csv)", type=["csv"], key="up:nodes")
        submitted = st.form_submit_button("Add the dataset", type="primary")
    if submitted:
        if not name or edges is None or nodes is None:
            st.error("Give the dataset a name and choose both files.")
        else:
            try:
                d = userdata.add(name.strip(), edges, nodes, edges_label=edges.name, nodes_label=nodes.name)
            except userdata.UserDataError as e:
                st.error("Nothing was stored:\n" + "\n".join(f"- {p}" for p in e.problems))
            else:
                RunStore().delete_where(dataset=d.name)  # runs of an earlier graph of that name
                st.success(f"Added **{d.name}**: {d.nodes:,} nodes, {d.edges // 2:,} edges, {d.features:,} "
                           f"features, {d.classes} classes. It is in the GNN Arena's dataset list now, for "
                           "node classification and link prediction.", icon=":material/check_circle:")
    added = [d for d in all_datasets().values() if d.family == "user"]
    if added:
        st.caption("Added so far: " + ", ".join(f"{d.name} ({d.nodes:,} nodes)" for d in added)
                   + f" · stored in {userdata.root()} · remove one with "
                     "`python -m gnncore datasets remove NAME`.")
