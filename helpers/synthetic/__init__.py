"""SynthFaces: offline mirrors of Adience, CelebA and IMDB-WIKI in their real on-disk formats.

``generate(out, preset, seed)`` writes ``out/adience``, ``out/celeba`` and ``out/wiki_crop`` laid out like
the real downloads, so the kit's loaders read the mirror and the real data through the same code.
How the pictures carry age and gender: :mod:`helpers.synthetic.people`, drawn by :mod:`helpers.synthetic.drawing`
and photographed by :mod:`helpers.synthetic.faces`.
"""

from helpers.synthetic.mirror import generate
from helpers.synthetic.presets import PRESETS

__all__ = ["generate", "PRESETS"]
