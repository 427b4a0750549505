# Speech Animator: developer entry points. Every target installs what it needs into .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench zip clean blender-env release-matrix

# Blender versions whose clean environments (bpy alone + the installed zip) `make test` runs.
TEST_BPY_VERSIONS ?= 5.0.1,5.2.3
BPY ?= 5.2.3

$(STAMP): requirements/runtime.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip==24.3.1 >/dev/null
	$(PY) -m pip install -r requirements/dev.txt
	touch $(STAMP)

venv: $(STAMP)

## Bake the bundled clip onto the demo character: out/demo.blend, out/demo_contact_sheet.png, out/demo_curves.png
demo: $(STAMP)
	$(PY) -m tools.demo --out out

## Run the whole test suite (bpy 5.0 module, inference, rigs) and the installed-extension tests in clean
## bpy-only environments of $(TEST_BPY_VERSIONS) (tests/installed; envs made in .blender-envs/ on first use)
test: $(STAMP)
	SPEECHANIM_BPY_VERSIONS=$(TEST_BPY_VERSIONS) $(PY) -m pytest -q -rs tests

## A clean Blender environment: .blender-envs/bpy-$(BPY) with bpy alone and the zip installed by Blender
blender-env: $(STAMP)
	$(PY) -m tools.packaging.blender_env $(BPY)

## Installed-extension tests on 4.2 LTS, 4.5 LTS, 5.0, 5.2 LTS; writes the table into docs/blender-versions.md
release-matrix: $(STAMP)
	$(PY) -m tools.packaging.release_matrix

## Speed and memory benchmarks (prints numbers and ratios; see docs/performance.md)
bench: $(STAMP)
	$(PY) -m benchmarks.run_all

## Build the installable extension zip(s) into dist/ with Blender's own builder
zip: $(STAMP)
	$(PY) -m tools.packaging.build_extension --out dist

clean:
	rm -rf $(VENV) out dist wheels .blender-envs
