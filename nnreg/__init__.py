"""nnreg: the infrastructure behind the book *Neural Networks for Regression*.

Only what a student should not have to read to learn the lesson lives here:

- :func:`get_device` picks the accelerator (CUDA, then Apple MPS, then CPU);
- :func:`setup` is the one call at the top of every chapter (style, seeds, device);
- :func:`pprint` shows tensors and arrays as LaTeX matrices (chapter 1 explains it);
- :mod:`nnreg.diagrams` draws network figures (chapters 3, 4 and 5);
- :mod:`nnreg.keypoints` reads and checks the Kaggle facial-keypoints file (chapter 6);
- :mod:`nnreg.synthetic_faces` generates and caches synthetic faces in the same format;
- :mod:`nnreg.faces` gives chapter 6 its data: that file, or else the synthetic faces;
- :mod:`nnreg.checks` compares, layer by layer, what a student's network computes with the
  network a task describes (chapter 6's check cells, and so its grading).

Imports go one way: ``faces`` -> ``synthetic_faces`` -> ``keypoints``; ``checks``, ``core``,
``diagrams`` and ``progress`` import no other module of the package (a test checks it). The plot style,
``practicals.mplstyle``, travels inside the package, so it works installed without the book's
repository.
"""
from nnreg.core import get_device, pprint, seed_everything, setup, style_path, use_style

__all__ = ["get_device", "pprint", "seed_everything", "setup", "style_path", "use_style"]
