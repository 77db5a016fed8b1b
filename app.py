"""Home page: what the app does, a link to each page, and which datasets are at hand."""

from gnncore.app import home

home.render()
