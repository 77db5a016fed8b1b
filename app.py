"""The app's entry point: the menu (Home, GNN Arena, Positional Encodings) and the chosen page.

The home page itself is ``gnncore.app.home.render``; the other pages are in ``pages/``.
"""

from gnncore.app import home

home.navigation()
