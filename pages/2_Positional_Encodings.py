"""Positional encodings: small transformers (and a GRU baseline), trained short and tested
long, and a look inside each encoding."""

import streamlit as st

from gnncore.app import posenc_inspect, posenc_results, posenc_sidebar, setup_page, sweep, training
from gnncore.runs import facts

setup_page("Positional Encodings", "📏")
# After a browser refresh: the sidebar (and a sweep's panel) as it was.
training.restore_from_url(sweep.restore_with(posenc_sidebar.restore, sweep.ENCODINGS_PAGE))
choice = posenc_sidebar.posenc_sidebar()

st.title("Positional encodings: train short, test long")
st.caption(facts(choice.kind).intro + " The **Look inside** tab shows what each encoding gives the "
           "model, no training needed.")
if sweep.mode_switch(sweep.ENCODINGS_PAGE, noun="encodings", examples="trained length, steps") == "Sweep":
    if choice.models:
        sweep.show_sweep(choice, sweep.ENCODINGS_PAGE)
    else:
        st.info("Pick at least one positional encoding in the sidebar.")
    st.stop()

request = None
if not choice.models:
    st.info("Pick at least one positional encoding in the sidebar.")
else:
    request = training.open_request(choice)
    if request.error:
        st.error(request.error)
    else:
        st.markdown(posenc_sidebar.plan_text(choice, request.specs, request.results))
        note = posenc_sidebar.learned_note(choice)
        if note:
            st.info(note, icon=":material/info:")
        # A run takes tens of seconds here, and redrawing this page's many charts costs the server
        # and the browser ~3 s of CPU (taken from training): at most every 30 s while training.
        training.train_controls(request, unit="step", results_every=30)

finished = request.results if request is not None and not request.error else []
results_tab, inside_tab = st.tabs(["Results", "Look inside"], key="pe:tab", on_change="rerun")
if results_tab.open:
    with results_tab:
        if finished:
            posenc_results.show_posenc_comparison(finished, request.specs, training=request.running)
        elif request is not None and request.running:
            st.caption("The charts appear as soon as the first run finishes; meanwhile, look inside.")
        else:
            st.caption("Results appear here after training. Meanwhile the **Look inside** tab needs none.")
if inside_tab.open:
    with inside_tab:
        posenc_inspect.show_look_inside(finished)
