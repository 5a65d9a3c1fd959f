"""Grading the student edition's tasks in submitted notebooks (README.md, "Grading submissions").

    python -m grading SUBMISSIONS [--out DIR] [--jobs N] [--epochs N]    (make grade SUBMISSIONS=...)

One module per job:

- :mod:`grading.book`: the chapters with tasks, as the student edition hands them out (every
  cell, which are tasks and checks, the points); the checks always come from here;
- :mod:`grading.discover`: the submissions in a folder, their students and chapters;
- :mod:`grading.assemble`: the cells to run for one submission: the student's answers and added
  cells, the book's checks and other cells; what the student changed;
- :mod:`grading.sandbox`: a Jupyter kernel in a bubblewrap sandbox with resource limits, and
  running one cell in it with a time limit and an output cap;
- :mod:`grading.run`: one submission from the top in its kernel (time limits, a dying kernel);
- :mod:`grading.score`: each task by its check; :mod:`grading.report`: grades.csv, the feedback,
  the summary; :mod:`grading.cli`: the command line, several submissions at a time.

Why not nbgrader or otter-grader, which instructors know. Both were installed (nbgrader 0.9.6,
otter-grader 7.0.0, in a scratch venv) and run on chapter 3 with four submissions (right; a wrong
answer under a check edited to pass and a second check deleted; ``os._exit``; a connection to the
loopback), the book's markup mapped onto theirs:

- nbgrader: solution cells become ``solution`` cells, each check an autograded test cell with
  its points, every other cell locked; ``generate_assignment`` made the release. ``autograde``
  restored the edited check from its database and, with ``OverwriteCells.add_missing_cells``,
  the deleted one: the grades were right (2, 1, -, 1 of 2). But it grades one notebook at a time
  (47 s for the four here) in a course folder with a sqlite gradebook that parallel runs would
  share; it knows a notebook by its file name only; the kernel that died left no grade and no
  feedback (the submission is removed as failed); the kernel ran with the grader's files and
  network (the connection reached the loopback); its export has a total per assignment, no
  column per task. Sandboxing is left to a Docker kernel (its docs: envkernel).
- otter-grader: each check became a test file (an exception-based test that runs the check's
  code in the notebook's namespace) and ``otter generate`` an autograder zip. ``otter grade``
  runs every submission in a Docker container (none here, and rare on an instructor's laptop;
  the image would have to hold torch); ``otter run`` grades one without a container, but only
  with otter importable in the kernel (the book's venv does not have it, and it brings many
  packages): then 37 to 45 s per submission, right grades for the three that ran, and for the
  dead kernel an "Autograder Failed" with no result. No file or network protection without
  Docker.

So the book keeps its own markup and runs its own checks, with a runner of a few hundred lines on
what both of them run on (``jupyter_client``, ``ipykernel``), and adds what neither has without
containers: bubblewrap's namespaces, resource limits, a row and feedback for every submission
whatever it does, and a column per task.
"""
