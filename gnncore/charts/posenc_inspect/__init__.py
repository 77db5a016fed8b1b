"""Look-inside charts for the positional-encoding lab: what each encoding gives the model.

Model-free pictures take the tidy tables of :mod:`gnncore.posenc.inspect` and
:mod:`gnncore.posenc.pictures`; the two that need a trained model take the run tables
``t5_bias``, ``learned_bias`` and ``attention`` as ``runs.table_frame`` gives them. Each builder returns a
styled Altair chart and imports no Streamlit.

* :func:`encoding_heatmaps`: integer, binary and sinusoidal encodings, position x dimension;
* :func:`dot_product_vs_distance`: PE(p) . PE(p + k) against k;
* :func:`rotation_circles`, :func:`query_key_angles_chart`: a shift is a rotation;
* :func:`rope_score_vs_distance`: q_m . k_n under RoPE against m - n;
* :func:`alibi_matrices`: ALiBi's bias per head;
* :func:`t5_bucket_mapping`, :func:`t5_learned_bias`: T5's buckets, and the bias it learned;
* :func:`learned_relative_bias`: the bias FIRE or Kerple learned, per head;
* :func:`rope_scaling_frequencies`: RoPE's frequencies under each scaling (log scale);
* :func:`attention_maps`: attention at a trained length and a longer one, per encoding.

One module per idea: :mod:`.absolute` (position written into the vector), :mod:`.rotary`
(a shift is a rotation: RoPE and its scalings), :mod:`.biases` (position as a bias on the
scores: ALiBi, T5, FIRE, Kerple), :mod:`.attention` (what trained models attend to); their
shared pieces in :mod:`.parts`.
"""

from gnncore.charts.posenc_inspect.absolute import dot_product_vs_distance, encoding_heatmaps
from gnncore.charts.posenc_inspect.attention import attention_cells, attention_maps
from gnncore.charts.posenc_inspect.biases import (alibi_matrices, learned_relative_bias, t5_bucket_mapping,
                                                 t5_learned_bias)
from gnncore.charts.posenc_inspect.rotary import (query_key_angles_chart, rope_scaling_frequencies,
                                                 rope_score_vs_distance, rotation_circles)

__all__ = ["encoding_heatmaps", "dot_product_vs_distance", "rotation_circles", "query_key_angles_chart",
           "rope_score_vs_distance", "rope_scaling_frequencies", "alibi_matrices", "t5_bucket_mapping",
           "t5_learned_bias", "learned_relative_bias", "attention_cells", "attention_maps"]
