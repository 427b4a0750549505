"""tools/packaging/blender_env.py and tools/packaging/release_matrix.py: the parts that need no bpy download."""

import sys
import zipfile

import pytest

from tools.packaging import blender_env as be, release_matrix as rm


def test_python_of_each_blender_release():
    assert be.python_for("4.2.23") == "3.11" and be.python_for("4.5.15") == "3.11"
    assert be.python_for("5.0.1") == "3.11"
    assert be.python_for("5.1.0") == "3.13" and be.python_for("5.2.3") == "3.13"
    with pytest.raises(ValueError, match="4.2 and later"):
        be.python_for("4.1.0")
    with pytest.raises(ValueError, match="MAJOR.MINOR"):
        be.python_for("latest")


def test_find_python_honours_the_override_and_checks_the_version(monkeypatch):
    version = "%d.%d" % sys.version_info[:2]
    monkeypatch.setenv("SPEECHANIM_PYTHON_" + version.replace(".", "_"), sys.executable)
    found, tried = be.find_python(version)
    assert found == sys.executable and tried[0] == sys.executable
    found, tried = be.find_python("3.99")  # no such interpreter anywhere: None, with what was tried
    assert found is None and any("pyenv" in t or "/usr/bin/python3.99" in t for t in tried)


def test_missing_python_is_reported_as_unavailable(monkeypatch, tmp_path):
    monkeypatch.setattr(be, "ENVS_DIR", tmp_path)
    monkeypatch.setattr(be, "find_python", lambda version: (None, ["/nowhere/python" + version]))
    with pytest.raises(be.EnvUnavailable, match=r"bpy 5.2.3 needs CPython 3.13.*SPEECHANIM_PYTHON_3_13"):
        be.make_venv("5.2.3")


def test_zip_hash_follows_contents_not_timestamps(tmp_path):
    def write(path, data, date):
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(zipfile.ZipInfo("a.py", date_time=date), data)
    write(tmp_path / "1.zip", "x = 1\n", (2020, 1, 1, 0, 0, 0))
    write(tmp_path / "2.zip", "x = 1\n", (2026, 12, 7, 1, 2, 4))
    write(tmp_path / "3.zip", "x = 2\n", (2020, 1, 1, 0, 0, 0))
    assert be.zip_hash(tmp_path / "1.zip") == be.zip_hash(tmp_path / "2.zip") != be.zip_hash(tmp_path / "3.zip")


def test_env_environment_points_blender_at_its_own_user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/somewhere/with/scipy")
    env = be.BlenderEnv("5.2.3", "3.13", tmp_path / "bpy-5.2.3")
    e = env.environ()
    assert e["BLENDER_USER_RESOURCES"] == str(tmp_path / "bpy-5.2.3" / "user")
    assert "PYTHONPATH" not in e and e["PYTHONNOUSERSITE"] == "1"
    assert env.site_packages.parts[-3:] == ("lib", "python3.13", "site-packages")


def test_matrix_table_is_written_between_the_markers(tmp_path, monkeypatch):
    doc = tmp_path / "blender-versions.md"
    doc.write_text(f"# Blender versions\n\nintro\n\n{rm.BEGIN}\nold table\n{rm.END}\n\nafter\n")
    monkeypatch.setattr(rm, "DOC", doc)
    results = [{"version": v, "python": py, "numpy": np_, "installed": True, "wall_s": 12.3,
                "counts": {"passed": 2, "FAILED": int(v == "4.2.23"), "ERROR": 0, "skipped": 0},
                "tests": {"t::a": "passed", "t::b": "FAILED" if v == "4.2.23" else "passed"},
                "reasons": {"t::b": "AssertionError: x"} if v == "4.2.23" else {}}
               for v, py, np_ in (("4.2.23", "3.11", "1.26.4"), ("5.2.3", "3.13", "2.5.5"))]
    rm.write_doc(rm.tables(results))
    text = doc.read_text()
    assert "old table" not in text and text.startswith("# Blender versions\n\nintro") and text.endswith("after\n")
    assert "| 4.2.23 | 3.11 | 1.26.4 | yes | 2 | 1 | 0 | 0 | 12 |" in text
    assert "| `t::b` | FAILED | passed |" in text and "4.2.23 `t::b`: AssertionError: x" in text


def test_install_runs_once_per_zip_contents_and_again_when_they_change(tmp_path, monkeypatch):
    """Blender's installer runs when the built zip's contents differ from the installed one's, not otherwise."""
    env = be.BlenderEnv("5.2.3", "3.13", tmp_path / "bpy-5.2.3")
    env.dir.mkdir(parents=True)
    content = {"x": "print(1)\n"}

    def fake_build(e):
        e.dist_dir.mkdir(exist_ok=True)
        with zipfile.ZipFile(e.zip_path, "w") as z:
            z.writestr("__init__.py", content["x"])
        return [e.zip_path]

    installs = []

    class Proc:
        stdout = 'RESULT:{"result": ["FINISHED"], "enabled": true, "python": "3.13", "numpy": "2.5.5"}\n'
        stderr = ""

    def fake_run(cmd, what, **_kw):
        installs.append(what)
        env.site_packages.mkdir(parents=True, exist_ok=True)  # what Blender's installer unpacks
        return Proc()

    monkeypatch.setattr(be, "build_zips", fake_build)
    monkeypatch.setattr(be, "_run", fake_run)
    first = be.install(env)
    assert installs == ["install into bpy 5.2.3"] and first["enabled"] and first["hash"]
    assert be.install(env) == first and len(installs) == 1  # unchanged: no reinstall
    content["x"] = "print(2)\n"
    second = be.install(env)
    assert len(installs) == 2 and second["hash"] != first["hash"]
    assert be.install(env, force=True)["hash"] == second["hash"] and len(installs) == 3
