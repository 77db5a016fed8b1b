"""Altair chart builders: tidy DataFrame in, styled ``alt.Chart`` out; no Streamlit here.

Pages draw their specs with ``st.vega_lite_chart(spec, theme=None)`` so that the shared theme
in :mod:`gnncore.charts.theme`, not Streamlit's, decides the look, as it does in the exports.
"""

from gnncore.charts.gnn import cost_vs_score, final_scores, learning_curves, summary_table
from gnncore.charts.pairs import difference_chart
from gnncore.charts.posenc import accuracy_by_position, accuracy_vs_length, in_vs_out, loss_curves
from gnncore.charts.theme import color_scale, display_name, metric_label, style

__all__ = ["difference_chart", "learning_curves", "final_scores", "cost_vs_score", "summary_table",
           "accuracy_vs_length", "in_vs_out", "accuracy_by_position", "loss_curves",
           "style", "color_scale", "display_name", "metric_label"]
