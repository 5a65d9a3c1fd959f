"""The student edition: the chapters with their solutions taken out, generated, never edited by hand.

    python -m student_edition build _build/student           (what `make student` runs)
    python -m student_edition check _build/student-book/...  (`make student-book`, after the build)

Two kinds of markup in ``chapters/``, both invisible in the full book:

- a **code cell tagged** ``solution`` is code the student writes. Its metadata says, in one
  sentence, what to write (the stub's comment)::

      "metadata": {"tags": ["solution"], "student": {"task": "Compute the four gradients ..."}}

  The next code cell must check the answer with an ``assert`` whose message helps to fix it.
- a sphinx-exercise **solution block** in a markdown cell or page, ``:::{solution} label`` ...
  ``:::``, is the worked answer of an exercise.

:mod:`student_edition.generate` writes the edition (stubs, no solution blocks, no outputs that
depend on the student's code, plus what the notebooks need to run); :mod:`student_edition.leaks`
checks that no solution text survives in what it wrote or in the HTML built from it.
"""
