"""Positional-encoding engine: sequence tasks, six encodings, a toy transformer, training,
and length-generalisation evaluation.

tasks.py      copy, reverse, copy_small_vocab, sort, mode, generated on the fly from a seed
encodings.py  sinusoidal, learned, t5, alibi, rope, nope behind one interface
model.py      pre-LN decoder-only transformer on scaled_dot_product_attention
evaluate.py   accuracy at every length, by output position; attention weights
train.py      the engine: defaults, validate, train (``kind="posenc"`` in gnncore.runs)
inspect.py    model-free tables of what each encoding looks like, for pictures
"""
