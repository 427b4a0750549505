"""Start-up of the standalone CLI (issue 20 item 2): ``import inference`` loads nothing, a
``python -m inference`` run loads only what it uses, and the entry-point scan that lets it skip
``importlib.metadata`` still finds a declared backend group."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from inference.plugin_scan import may_declare_group
from tests.conftest import REPO_ROOT

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"
GROUP = "speech_animator.backends"

#: Run ``python -m inference`` in-process, then list the modules it had imported.
RUN_AND_LIST = """
import gc, json, runpy, sys
sys.argv = ["inference"] + sys.argv[1:]
young = []
gc.callbacks.append(lambda phase, info: young.append(info["generation"]) if phase == "start" else None)
try:
    runpy.run_module("inference", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
print("MODULES:" + json.dumps({"code": code, "modules": sorted(sys.modules), "threshold": gc.get_threshold(),
                               "collections": len(young)}))
"""


def test_import_inference_loads_no_submodule_and_no_numpy():
    code = "import sys, inference; print(sorted(m for m in sys.modules if m.startswith(('inference', 'numpy'))))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "['inference']"


def test_a_cli_run_skips_what_it_does_not_use(tmp_path):
    out = subprocess.run([sys.executable, "-c", RUN_AND_LIST, str(DEMO), "-o", str(tmp_path / "out")],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    line = [x for x in out.stdout.splitlines() if x.startswith("MODULES:")]
    assert line, out.stdout[-2000:] + out.stderr[-3000:]
    got = json.loads(line[0][len("MODULES:"):])
    assert got["code"] == 0, out.stderr[-3000:]
    modules = set(got["modules"])
    assert {"onnxruntime", "inference.face.lipsync", "inference.emage.backend"} <= modules  # it did run
    unused = {"importlib.metadata", "webrtcvad", "inference.emage.runner", "inference.emage.convert",
              "inference.emage.checkpoint"} & modules
    assert not unused, f"imported although a default CLI run never uses them: {sorted(unused)}"
    # the collector's young generation waits for 50,000 allocations (inference/__main__.py
    # YOUNG_COLLECTION_ALLOCATIONS): the demo clip's run makes a handful of collections at most, not the
    # ~60 of Python's default 700
    assert got["threshold"][0] == 50_000 and got["collections"] <= 5, got["collections"]


def test_the_scan_sees_a_declared_group_and_its_absence(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "other-1.0.dist-info").mkdir(parents=True)
    (site / "other-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    (site / "Plain.egg-info").write_text("Metadata-Version: 1.0\n")  # an egg-info file: no entry points
    monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "missing")])
    assert may_declare_group(GROUP) is False
    (site / "Echo_EP-1.0.DIST-INFO").mkdir()
    (site / "Echo_EP-1.0.DIST-INFO" / "entry_points.txt").write_text(f"[{GROUP}]\necho = echo_ep\n")
    assert may_declare_group(GROUP) is True


def test_the_scan_defers_to_importlib_metadata_where_it_cannot_see(tmp_path, monkeypatch):
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("echo-1.0.dist-info/entry_points.txt", f"[{GROUP}]\necho = echo\n")
    monkeypatch.setattr(sys, "path", [str(archive)])
    assert may_declare_group(GROUP) is True

    class Finder:
        @staticmethod
        def find_distributions(context=None):
            return iter(())

    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert may_declare_group(GROUP) is False
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])
    assert may_declare_group(GROUP) is True
