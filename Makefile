# Speech Animator: developer entry points. Every target installs what it needs into .venv.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench zip clean

$(STAMP): requirements/runtime.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip==24.3.1 >/dev/null
	$(PY) -m pip install -r requirements/dev.txt
	touch $(STAMP)

venv: $(STAMP)

clean:
	rm -rf $(VENV) out dist
