"""A run store that cannot be read: both training pages say so in one sentence, keep the
user's file, and go on working."""

import os
from pathlib import Path

import pytest

PAGES = ["pages/1_GNN_Arena.py", "pages/2_Positional_Encodings.py"]


@pytest.mark.parametrize("page", PAGES)
def test_a_corrupt_store_is_moved_aside_and_the_page_says_where(pages, page):
    store = Path(os.environ["GNNCORE_STORE"])
    store.write_text("my lab notes, saved here by mistake\n")
    at = pages.open(page)
    pages.no_exceptions(at)
    warnings = pages.texts(at.warning)
    assert len(warnings) == 1 and "could not be used" in warnings[0] and "nothing was deleted" in warnings[0]
    (aside,) = store.parent.glob("runs.unreadable-*.sqlite")
    assert aside.read_text() == "my lab notes, saved here by mistake\n" and str(aside) in warnings[0]
    assert at.button(key="train").label.startswith("Train")  # the page still works
    at.run()
    assert pages.texts(at.warning) == warnings  # said again on rerun, not lost
