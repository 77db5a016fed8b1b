"""A tiny script that draws the over-squashing section alone, for its AppTest (the lead's
page places the same call)."""

from gnncore.app import setup_page
from gnncore.app.oversquashing import render

setup_page("Over-squashing", "🌳")
render()
