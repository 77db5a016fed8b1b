"""Positional-encoding engine: sequence tasks, encodings, a toy transformer (and a GRU
baseline), training, and length-generalisation evaluation.

tasks.py      copy, reverse, copy_small_vocab, sort, mode, generated on the fly from a seed
encodings/    the registry: sinusoidal, learned, t5, alibi, rope, nope, fire, kerple, randomised-*, gru
model.py      pre-LN decoder-only transformer on scaled_dot_product_attention; the GRU baseline;
              the toy size, declared once (``SIZE``)
scaling.py    RoPE scaling at evaluation: none, pi, ntk, yarn
evaluate.py   accuracy at every length, by output position, under each RoPE scaling; attention
train.py      the engine: defaults, validate, train (``kind="posenc"`` in gnncore.runs)
inspect.py    model-free tables of what each encoding looks like, for pictures
pictures.py   tables for the "a shift is a rotation" pictures of RoPE
"""

__all__ = ["encodings", "evaluate", "inspect", "model", "pictures", "scaling", "tasks", "train"]
