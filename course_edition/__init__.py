"""The runnable course and its Colab copies: the chapters as a student runs them, generated.

    python -m course_edition build OUT [--zip ZIP]   the runnable course (make course, make book)
    python -m course_edition colab OUT --source URL  Colab copies, for the repository's colab branch

- :mod:`course_edition.bundle`: the chapters, ``nnreg``, a lean ``requirements.txt`` and
  ``course.py`` in one folder (and zip) that runs without the book's repository;
- :mod:`course_edition.colab`: copies for Colab, whose Markdown is plain and whose first cell
  installs the helper package when it is missing;
- ``course.py``: the script that ships in the course (``install``, ``lab``, ``check``).
"""
