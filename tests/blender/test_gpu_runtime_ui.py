"""The GPU runtime install operators in Blender: online access is checked and explained."""

from bpy_harness import run_bpy


def test_install_refuses_with_online_access_off_and_explains():
    res, _ = run_bpy("""
import bpy
from tools.bake import load_extension
load_extension()
from speech_animator.addon import preferences
out = {"online": bpy.app.online_access}
try:
    bpy.ops.speechanim.install_gpu_runtime('EXEC_DEFAULT')
except RuntimeError as exc:
    out["not_extension"] = str(exc)
preferences.gpu_runtime_dir = lambda create=False: "/tmp/speechanim-gpu-test"  # as if installed
try:
    bpy.ops.speechanim.install_gpu_runtime('EXEC_DEFAULT')
except RuntimeError as exc:
    out["offline"] = str(exc)
out["file_op"] = bpy.ops.speechanim.install_gpu_runtime_file.poll()
out["cancel_op"] = bpy.ops.speechanim.cancel_gpu_runtime.poll()
emit(out)
""")
    assert res["online"] is False
    assert "installed as an extension" in res["not_extension"]
    assert "Allow Online Access" in res["offline"] and "from File" in res["offline"]
    assert res["file_op"] is True and res["cancel_op"] is False  # offline route open, nothing to cancel
