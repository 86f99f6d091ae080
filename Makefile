# age-gender-kit: one command to run the course, one to test it.
#   make run     set up, generate the synthetic data if missing, execute every notebook (smoke profile)
#   make test    set up, generate the synthetic data if missing, check the code with ruff, run the whole test suite
#   make class   every notebook in the class profile: the same data, 5 folds x 2 seeds (a few hours on 2 cores)
#   make lab     JupyterLab with the kit's kernel
#   make install only the set-up: .venv, the pinned packages, the kit and its Jupyter kernel
#   make paper DATA_DIR=/path/to/datasets [GPUS=0,1,2,3]   the paper profile on the real data (GPU machines)
#   make bench   the speed and memory benchmarks in bench/ (about 6 minutes on 2 cores); see bench/RESULTS.md
#   make mutation  mutation testing of the engine's modules with mutmut (hours on 2 cores); see tests/mutation/REPORT.md
# Nothing is reinstalled while pyproject.toml is unchanged (the stamp below is keyed on its hash).

PYTHON   ?= python3
VENV     ?= .venv
# The kit's extras to install besides the course's packages: dev (pytest, ruff, mutmut, Ray) for the targets that
# test, cluster (Ray) when several runs train at once, nothing else for a student's make run or make lab.
EXTRAS   ?= $(if $(filter test mutation,$(MAKECMDGOALS)),dev,$(if $(GPUS)$(filter-out 1,$(WORKERS)),cluster))
PRESET   ?= tiny
SEED     ?= 0
SYNTHETIC_DIR ?= data/synthetic
DATA_DIR ?=
GPUS     ?=
WORKERS  ?= 1
RUN_SEED ?=
# In order, but 09 (conclusions) last: it reads the results of every study, including those of 12 and later.
NOTEBOOKS ?= $(filter-out notebooks/09_conclusions.ipynb,$(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))) notebooks/09_conclusions.ipynb
KERNEL   := age-gender-kit
# RUN_SEED=1: every notebook's seed parameter (SEED is the synthetic mirror's).
# GPUS=0,1,2,3: the studies' runs on those GPUs, WORKERS=2: two runs at once on the CPU, both through Ray started on
# this machine (README, "Several GPUs and machines").
RUNNER_FLAGS := $(if $(GPUS),--gpus $(GPUS),--workers $(WORKERS))$(if $(RUN_SEED), --seed $(RUN_SEED))

PY       := $(VENV)/bin/python
comma    := ,
DEPS_HASH := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP    := $(VENV)/.installed-$(DEPS_HASH)-$(or $(subst $(comma),_,$(EXTRAS)),kit)
SYNTHETIC_SOURCES := data_scripts/make_synthetic.py $(wildcard helpers/synthetic/*.py)

.PHONY: install kernel run class test lab paper data bench mutation clean help
.DEFAULT_GOAL := help

help:
	@sed -n '2,11p' Makefile

# One stamp per set of extras installed for this pyproject.toml (kit: none); stamps of an older one are removed.
$(VENV)/.installed-$(DEPS_HASH)-%: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "age-gender-kit needs Python 3.10 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.$(if $(filter kit,$*),,[$(subst _,$(comma),$*)])'
	find $(VENV) -maxdepth 1 -name '.installed-*' ! -name '.installed-$(DEPS_HASH)-*' -delete
	touch $@

# The synthetic mirrors are regenerated when the generator changes; otherwise they are kept.
$(SYNTHETIC_DIR)/MANIFEST.json: $(SYNTHETIC_SOURCES) | $(STAMP)
	$(PY) data_scripts/make_synthetic.py --out $(SYNTHETIC_DIR) --preset $(PRESET) --seed $(SEED) --overwrite

install: $(STAMP) kernel

# The Jupyter kernel "Python (age-gender-kit)", registered for this user so that every JupyterLab, Notebook or
# VS Code on the machine lists it, not only the .venv's own Jupyter. Registered again by each target that
# runs notebooks (a second), so that it always starts this checkout's .venv.
kernel: $(STAMP)
	@$(PY) -m ipykernel install --user --name $(KERNEL) --display-name "Python (age-gender-kit)" \
		--env TF_CPP_MIN_LOG_LEVEL 2 >/dev/null

data: $(SYNTHETIC_DIR)/MANIFEST.json

run: data kernel
	$(PY) -m helpers.notebook_runner --profile smoke --kernel $(KERNEL) --output runs/smoke $(NOTEBOOKS) $(RUNNER_FLAGS)

class: data kernel
	$(PY) -m helpers.notebook_runner --profile class --kernel $(KERNEL) --output runs/class $(NOTEBOOKS) $(RUNNER_FLAGS)

# Two pytest processes: one executes the course's chain of notebooks in order (tests/test_notebooks.py), the other
# the notebooks that read no other's results (tests/test_notebooks_alone.py), then every other test file
# (bench/RESULTS.md, "The test suite's time").
TEST_PROCESSES ?= 2
test: data kernel
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder

lab: data kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

paper: $(STAMP) kernel
	@test -n "$(DATA_DIR)" || { echo "make paper needs DATA_DIR=/path/holding adience/ (and celeba/, wiki_crop/ for transfer learning); see README.md"; exit 2; }
	$(PY) -m helpers.data.preflight "$(DATA_DIR)"
	$(PY) -m helpers.notebook_runner --profile paper --data-dir "$(DATA_DIR)" --kernel $(KERNEL) --output runs/paper $(NOTEBOOKS) $(RUNNER_FLAGS)

BENCHMARKS := loader training_feed step study_cache paper_estimate predict_folder
bench: data
	@mkdir -p bench/out
	@{ for name in $(BENCHMARKS); do echo "== bench/$$name.py"; $(PY) bench/$$name.py || echo "FAILED bench/$$name.py"; done; } 2>&1 | tee bench/out/last.log
	@echo "== ratios (figures above; all in bench/out/last.log)"; grep '^RATIO' bench/out/last.log
	@! grep -q '^FAILED' bench/out/last.log

# mutmut copies helpers/ and tests/ to mutants/ and runs, for each small change to the listed modules
# (pyproject.toml, [tool.mutmut]), the fast tests of the module's own test files (tests/mutation/own_tests.py)
# that call the changed function. Results are kept in mutants/, and the verdicts in tests/mutation/verdicts.json
# (committed, so that a run can go on from a fresh clone): a second run only tries what changed. The report counts
# them per module, with the equivalent ones and why.
# MODULES="helpers/data/splits.py helpers/analysis/paired.py" tries (again) only those modules' mutants.
SHARED_DIR ?= $(abspath ../shared)
MODULES  ?=
MUTMUT   = AGE_GENDER_KIT_SYNTHETIC=$(abspath $(SYNTHETIC_DIR)) AGE_GENDER_KIT_SHARED=$(SHARED_DIR) \
	TF_CPP_MIN_LOG_LEVEL=2 $(VENV)/bin/mutmut
mutation: data
	@# The verdicts kept in the repository go into mutants/ where it has none (a fresh clone); mutmut judges again
	@# the mutants of every function changed since.
	$(PY) -m tests.mutation.verdicts restore
	@# mutmut maps tests to functions once and keeps each verdict; after a test changed, map them again and try
	@# the survivors again (a new test may kill them). A map missing beside earlier results means such a retry was
	@# interrupted, or that the results came from the repository: it is done again. So too after pyproject.toml
	@# changed: with its map kept, mutmut 3.8 sets every verdict back when its test selection differs.
	@if [ -d mutants ] && { [ ! -f mutants/mutmut-stats.json ] || \
		[ -n "$$(find tests -name '*.py' -newer mutants/mutmut-stats.json)$$(find pyproject.toml -newer mutants/mutmut-stats.json)" ]; }; \
		then echo "no test map, or tests or pyproject.toml changed since mutmut's last run: mapping them again, then trying the survivors again"; \
		survivors="$$($(PY) -m tests.mutation.report --survivors)" || exit 1; rm -f mutants/mutmut-stats.json; \
		if [ -n "$$survivors" ]; then $(MUTMUT) run $$survivors; fi; fi
	$(MUTMUT) run $(foreach module,$(MODULES),'$(subst /,.,$(module:.py=)).*')
	$(PY) -m tests.mutation.verdicts save
	$(PY) -m tests.mutation.report --out tests/mutation/REPORT.md

clean:
	rm -rf runs results cache bench/out mutants
