"""What ships in the zip runs on numpy 1.26 (Blender 4.2-5.0) and numpy 2.x (Blender 5.1+, 5.2 LTS
ships numpy 2.5): no name that numpy 2 removed or deprecated, and (on numpy 1.x) no result dtype
that numpy 2's promotion rules (NEP 50: no value-based casting) would change, checked by running
the face, body and transcript paths under numpy 1's ``weak_and_warn`` promotion state.

Under numpy 2 itself: run these bpy-free tests in a numpy-2 venv, and ``tools/packaging/numpy_parity.py``
compares ``python -m inference`` outputs between numpy 1.26 and 2.x; the clean-Blender environment
on bpy 5.2.3 (numpy 2) runs the add-on itself.
"""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT

SHIPPED = ["addon", "inference", "rigs"]
# removed in numpy 2.0 (NEP 52) or deprecated there, with the replacement in the message
GONE = {
    r"np\.float_\b": "np.float64", r"np\.complex_\b": "np.complex128", r"np\.(string_|unicode_)\b": "np.bytes_/np.str_",
    r"np\.(Inf|Infinity|infty|PINF)\b": "np.inf", r"np\.NINF\b": "-np.inf", r"np\.NaN\b": "np.nan",
    r"np\.(product|cumproduct|sometrue|alltrue|round_)\b": "np.prod/np.cumprod/np.any/np.all/np.round",
    r"np\.(cast|asfarray|find_common_type|msort|issubclass_|safe_eval|deprecate|set_string_function)\b": "removed",
    r"np\.(in1d|row_stack|trapz)\b": "np.isin/np.vstack/np.trapezoid (deprecated)",
    r"np\.(bool8|int0|uint0|longfloat|cfloat|singlecomplex|clongfloat|longcomplex|float96)\b": "the sized name",
    r"np\.(core|compat)\b": "public names (np.core is private in numpy 2)",
    r"\.(ptp|itemset|tostring)\(": "np.ptp / item assignment / tobytes", r"np\.fromstring\(": "np.frombuffer",
    r"np\.array\([^)]*copy=False": "np.asarray (numpy 2: copy=False raises when a copy is needed)",
}


def _shipped_files():
    files = [REPO_ROOT / "__init__.py"]
    for top in SHIPPED:
        files += sorted((REPO_ROOT / top).rglob("*.py"))
    return files


def test_no_numpy2_removed_names_in_shipped_code():
    found = []
    for path in _shipped_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for pat, use in GONE.items():
                if re.search(pat, code):
                    found.append(f"{path.relative_to(REPO_ROOT)}:{n}: {line.strip()}  (use {use})")
    assert len(_shipped_files()) > 50
    assert not found, "\n".join(found)


_PROMOTION_RUN = """
import json, sys, warnings
import numpy as np
sys.path.insert(0, {root!r})
from inference.audio import prepare_audio
from inference.backends import get_body_backend, get_face_backend
from inference.face.transcript import combine
from inference.options import GenerateOptions
from rigs import arkit, smplx_rest
from tests.test_body import speech_like
audio = prepare_audio(speech_like(6.0, seed=3), 16000)
with warnings.catch_warnings(record=True) as got:
    warnings.simplefilter("always")
    opts = GenerateOptions(seed=0)
    face = get_face_backend("lipsync").run(audio, opts)
    get_body_backend("procedural").run(audio, opts)
    a = np.clip(np.asarray(face.arkit, np.float32), 0, 1)
    combine(a, a[::-1].copy())
    arkit.enforce_lip_seal(a)
    smplx_rest.stature_m()
own = [f"{{w.filename}}:{{w.lineno}}: {{w.message}}" for w in got
       if "value-based promotion" in str(w.message) and not w.filename.startswith({tests!r})
       and w.filename.startswith({root!r})]
print("RESULT:" + json.dumps(own))
"""


@pytest.mark.skipif(not np.__version__.startswith("1."), reason="numpy 2 has NEP 50 promotion itself")
def test_no_result_dtype_changes_under_numpy2_promotion():
    code = _PROMOTION_RUN.format(root=str(REPO_ROOT), tests=str(REPO_ROOT / "tests"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NPY_PROMOTION_STATE": "weak_and_warn"}, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    own = json.loads(next(l for l in proc.stdout.splitlines() if l.startswith("RESULT:"))[7:])
    assert not own, "\n".join(own)
