# Speech Animator: developer entry points. Every target installs what it needs into .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
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

## Bake the bundled clip onto the demo character: out/demo.blend, out/demo_contact_sheet.png, out/demo_curves.png
demo: $(STAMP)
	$(PY) -m tools.demo --out out

## Run the whole test suite (bpy 5.0 module, extension zip build + install, inference, rigs)
test: $(STAMP)
	$(PY) -m pytest -q -rs tests

## Speed and memory benchmarks (prints numbers and ratios; see docs/performance.md)
bench: $(STAMP)
	$(PY) -m benchmarks.run_all

## Build the installable extension zip(s) into dist/ with Blender's own builder
zip: $(STAMP)
	$(PY) -m tools.build_extension --out dist

clean:
	rm -rf $(VENV) out dist wheels
