# Neural Networks for Regression: set-up, tests, book.
# `make book` and `make test` are the two commands a fresh machine needs (see README.md).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements
# TORCH=system: the venv uses the interpreter's own torch (a cluster module, conda, a container) and
# pip installs everything else; WHEELHOUSE=path installs it offline from a folder that
# `make wheelhouse` filled (README: "On a cluster without internet"). A venv made with
# TORCH=system keeps it. Unset: the pinned torch of requirements.txt.
TORCH  ?= $(if $(wildcard $(VENV)/.torch-system),system,pinned)
WHEELHOUSE ?=
ifeq ($(filter pinned system,$(TORCH)),)
$(error TORCH=$(TORCH): use TORCH=system (the interpreter's own torch) or leave it unset (the pinned torch))
endif
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check \
              $(if $(WHEELHOUSE),--no-index --find-links $(abspath $(WHEELHOUSE)))
# one notebook (make execute NB=chapters/01_tensors.ipynb) or, by default, every chapter
NB     ?= $(sort $(wildcard chapters/*.ipynb))

# The test suite and the stored outputs always use the synthetic faces (chapter 6), so that
# everybody's `make test` reproduces the committed notebooks; `make lab` uses data/training.csv
# when it is there. See data/README.md.
test nbval execute: export NNREG_SYNTHETIC_FACES := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
               --nbval-cell-timeout 1200

.PHONY: help venv book test unit nbval execute lab check-book pdf publish clean course colab
# the runnable course (chapters, nnreg, a lean install, course.py), offered by the site
COURSE_ZIP := _build/html/nn-regression-course.zip

help:
	@echo "make book     build the HTML book into _build/html (creates .venv first if needed)"
	@echo "make test     unit tests + nbval over every chapter notebook, on the detected device"
	@echo "make lab      open the notebooks in JupyterLab"
	@echo "make course   the runnable course (chapters, nnreg, lean install) in _build/course and its zip"
	@echo "make colab    Colab copies of the book and the student edition, for the repository's colab branch"
	@echo "make test-portable  the course zip installed offline and run; the Colab copies in a Colab-like venv"
	@echo "make check-lab  JupyterLab shows the book's MyST rendered and no news prompt (headless Chromium)"
	@echo "make execute  re-execute notebooks in place to refresh stored outputs (NB=path for one)"
	@echo "make check-book  load every page of the built book in headless Chromium and check it"
	@echo "make pdf      print the built book to _build/pdf/book.pdf and check it"
	@echo "make publish  check the built book and put it on the gh-pages branch (ghp-import)"
	@echo "make wheelhouse  download everything but torch into wheelhouse/, for a machine without internet"
	@echo "make gpu-kit  the wheels a GPU image without internet needs to run the suite (.gpu-kit/)"
	@echo "make test-gpu-kit  that kit's check, run here in a mimic of a GPU image (no network)"
	@echo "make test-torch-range  the whole suite under torch $(TORCH_VERSIONS) (the supported range)"

$(STAMP): requirements.txt pyproject.toml web_assets/lock.json course_edition/jupyterlab_overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "This book needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Run make with PYTHON=/path/to/python3.11 or newer.")'
ifneq ($(WHEELHOUSE),)
	$(PYTHON) tools/wheelhouse.py check $(WHEELHOUSE)
endif
ifeq ($(TORCH),system)
	$(PYTHON) tools/make_venv.py $(VENV) --system-torch
	$(PIP_INSTALL) -r $(VENV)/requirements-without-torch.txt
	$(PIP_INSTALL) --no-deps -e .
else
	$(PYTHON) tools/make_venv.py $(VENV)
	$(PIP_INSTALL) -r requirements.txt
endif
	$(BIN)/python web_assets/fetch.py $(if $(WHEELHOUSE),--from $(WHEELHOUSE))
	@# JupyterLab without its news and update prompts (make lab), as the runnable course sets it up
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@cp course_edition/jupyterlab_overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@$(BIN)/python -m course_edition build _build/course --zip $(COURSE_ZIP)
	@$(BIN)/python publish/offline.py _build/html _build/nn-regression-offline.zip
	@echo
	@echo "The book is built. Open: file://$(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest tests chapters $(NBVAL_FLAGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NB) $(NBVAL_FLAGS)

# Stores the widget state, so that each progress bar shows finished (n/n, final losses) in the
# built book and in a trusted JupyterLab, and writes each bar's text copy from that final state
# for untrusted views (execute/). tests/test_notebooks.py checks every bar's state and text.
execute: $(STAMP)
	$(BIN)/python -m execute $(NB)

# JupyterLab refuses to run as root without --allow-root; in a container the user often is root.
# LAB_ARGS: more options, e.g. LAB_ARGS="--ip=0.0.0.0 --no-browser" in a container (README).
AS_ROOT := $(filter 0,$(shell id -u))
LAB_ARGS ?=
lab: $(STAMP)
	$(if $(AS_ROOT),@echo "make lab: running as root (in a container?): JupyterLab starts with --allow-root")
	$(BIN)/jupyter lab $(if $(AS_ROOT),--allow-root) $(LAB_ARGS) chapters

# the built book in Chromium: 4 views (root and /nn-regression/, 1280 and 390 px), static checks
# of the HTML, the offline zip opened from disk; its canary first (tests/browser/check_book.py)
check-book: $(STAMP)
	$(BIN)/python tests/browser/check_book.py _build/html --offline _build/nn-regression-offline.zip

# the built book printed by Chromium, page by page, into one PDF; then checked with pypdf (the
# check runs even when the printer reported a problem, and either failure fails the target)
pdf: $(STAMP)
	$(BIN)/python publish/pdf.py _build/html _build/pdf/book.pdf; printed=$$?; \
	  $(BIN)/python tests/browser/check_pdf.py _build/pdf/book.pdf _build/html && exit $$printed

# a checked book onto the gh-pages branch, pushed to origin; -n writes .nojekyll, without which
# GitHub's Jekyll drops _static/ and the site loads unstyled (README: "Publishing the book")
publish: check-book
	$(BIN)/ghp-import -n -p -f -m "The book, built from $$(git rev-parse --short HEAD)" _build/html

# The wheels of everything but torch, and the pinned browser assets, for a machine without internet
# (README: "On a cluster without internet"). WHEEL_PYTHON=3.12: for that CPython on Linux x86-64
# (WHEEL_PLATFORM, manylinux_2_28: glibc 2.28 or newer); unset: for this interpreter and machine.
WHEEL_PYTHON   ?=
WHEEL_PLATFORM ?= manylinux_2_28_x86_64
.PHONY: wheelhouse test-torch-range
wheelhouse:
	$(PYTHON) tools/wheelhouse.py download $(or $(WHEELHOUSE),wheelhouse) \
	  $(if $(WHEEL_PYTHON),--python-version $(WHEEL_PYTHON) --platform $(WHEEL_PLATFORM))

# The supported torch range (pyproject.toml), tested: the whole suite under its oldest release, the
# pin and its newest, each as on a cluster: an interpreter with only that torch in it
# (.torch-range/torch-V), and a book venv made from it with TORCH=system (.torch-range/book-V).
# The torch install replaces any site-wide pip constraint (some images cap torch) with none:
# these exact releases are the point of the run.
TORCH_VERSIONS := 2.11.0 2.13.0 2.15.0
test-torch-range:
	@failed=""; for v in $(TORCH_VERSIONS); do \
	  echo "== $$(date -u +%H:%M:%S) torch $$v"; \
	  test -x .torch-range/torch-$$v/bin/python || { $(PYTHON) -m venv .torch-range/torch-$$v && \
	    PIP_CONSTRAINT=/dev/null .torch-range/torch-$$v/bin/python -m pip install --quiet \
	      --disable-pip-version-check torch==$$v; } || exit 1; \
	  $(MAKE) test TORCH=system PYTHON=$(CURDIR)/.torch-range/torch-$$v/bin/python \
	    VENV=.torch-range/book-$$v || failed="$$failed $$v"; \
	done; echo "== $$(date -u +%H:%M:%S) torch $(TORCH_VERSIONS): $${failed:+failed under$$failed}$${failed:-passed}"; \
	test -z "$$failed"

# The GPU kit (README: "On a GPU machine with its own PyTorch"): the wheels the nbval suite needs
# beyond a GPU image's own stack (torch, NumPy, pandas, matplotlib, scikit-learn, tqdm, pytest),
# for GPU_KIT_PYTHON on Linux x86-64, in .gpu-kit/kit-V (at most 50 MB, with a manifest). There:
# python3 tools/gpu_check.py .gpu-kit/kit-V OUT. test-gpu-kit runs that check here in a mimic of
# such an image (a Python 3.11 venv with only the stack, CPU torch, no network: unshare -n) on
# chapters GPU_KIT_NOTEBOOKS; the whole suite is the GPU machine's run.
GPU_KIT_PYTHON    ?= 3.12
GPU_KIT_NOTEBOOKS ?= 01 03
.PHONY: gpu-kit test-gpu-kit
gpu-kit:
	$(PYTHON) tools/gpu_kit.py build .gpu-kit/kit-$(GPU_KIT_PYTHON) --python-version $(GPU_KIT_PYTHON) \
	  --platform $(WHEEL_PLATFORM)
test-gpu-kit:
	$(PYTHON) tools/gpu_kit.py mimic --notebooks $(GPU_KIT_NOTEBOOKS)

clean:
	rm -rf _build

# --- the student edition (README.md, "The student edition"; student_edition/) ---------------------
STUDENT      := _build/student
STUDENT_HTML := _build/student-book/_build/html

.PHONY: student student-book check-student-book

student: $(STAMP)
	$(BIN)/python -m student_edition build $(STUDENT)

student-book: student
	$(BIN)/jupyter-book build $(STUDENT) --path-output _build/student-book \
	  --warningiserror --nitpick --keep-going
	$(BIN)/python -m student_edition check $(STUDENT_HTML)
	@$(BIN)/python -m course_edition zip $(STUDENT_HTML)/nn-regression-student.zip \
	  --folder $(STUDENT) --name nn-regression-student
	@echo
	@echo "The student book is built. Open: file://$(CURDIR)/$(STUDENT_HTML)/index.html"

check-student-book: $(STAMP)
	$(BIN)/python tests/browser/check_book.py $(STUDENT_HTML)

# --- the runnable course and the Colab copies (README: "Reading and running the notebooks") -------
course: $(STAMP)
	$(BIN)/python -m course_edition build _build/course --zip $(COURSE_ZIP)

# the folder to publish as the repository's colab branch (the launch buttons open it); the notebooks
# install nnreg from that branch, whose address comes from _config.yml (repository: url, branch)
colab: student
	$(BIN)/python -m course_edition colab _build/colab --student $(STUDENT)

# the runnable course from the built site, unzipped far from the repository, installed offline from
# a wheelhouse with its README's command, every chapter run; then the Colab copies in a Colab-like
# venv (tests/portable/; Linux, as root or with user namespaces). Run after make book.
.PHONY: test-portable check-lab
test-portable: $(STAMP)
	$(BIN)/python tests/portable/check_course.py $(COURSE_ZIP)
	$(BIN)/python tests/portable/check_colab.py

# what a student sees in JupyterLab: MyST rendered (exercise boxes, folded solutions), no news prompt
check-lab: $(STAMP)
	$(BIN)/python tests/browser/check_lab.py

# --- grading (README.md, "Grading submissions (instructors)"; grading/) ---------------------------
# make grade SUBMISSIONS=path/to/folder: every notebook in it run from the top, each in its own
# sandboxed kernel (bubblewrap: apt-get installs it here when missing and this is root), several at
# a time, with the book's checks; writes GRADES/grades.csv and GRADES/feedback/, prints a summary.
# EPOCHS=20 trains chapter 6 as the practical does (the checks that need it are then graded);
# JOBS=n kernels at a time (default: the CPU cores); NO_SANDBOX=1 where bubblewrap cannot run.
GRADES ?= _build/grades
.PHONY: grade
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "make grade SUBMISSIONS=path/to/folder (README: Grading submissions)"; exit 2; }
	$(BIN)/python -m grading $(SUBMISSIONS) --out $(GRADES) $(if $(EPOCHS),--epochs $(EPOCHS)) \
	  $(if $(JOBS),--jobs $(JOBS)) $(if $(NO_SANDBOX),--no-sandbox)
