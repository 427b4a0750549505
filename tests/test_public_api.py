"""The small public API (inference/__init__) and the batch skeleton: a new front end is a few lines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import inference
from inference.batch import BatchFrontEnd, Layout, args as batch_args
from tests.conftest import REPO_ROOT

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"


def test_every_public_name_resolves_to_its_module():
    from inference import files, generate as generate_fn, options, performance

    assert sorted(inference.__all__) == sorted(set(inference.__all__))
    assert all(getattr(inference, name, None) is not None for name in inference.__all__)
    assert inference.generate_file is files.generate_file and inference.generate is generate_fn
    assert inference.GenerateOptions is options.GenerateOptions and inference.Performance is performance.Performance


class JawCsv(BatchFrontEnd):
    """A front end in a few lines: the jawOpen curve of each file as CSV."""

    def build_parser(self):
        ap = argparse.ArgumentParser(prog="jaw-csv")
        ap.add_argument("inputs", nargs="+")
        ap.add_argument("-o", dest="out", required=True)
        batch_args.add_generate_arguments(ap, fps_default=30.0)
        batch_args.add_rerun_arguments(ap)
        return ap

    def layout(self, args):
        return Layout(Path(args.out), ".csv", Path(args.out))

    def work(self, args, options, item, tmp):
        perf = inference.generate_file(item.source, options)
        np.savetxt(tmp, perf.arkit[:, perf.arkit_names.index("jawOpen")], fmt="%.5f")
        return dict(frames=perf.num_frames, fps=perf.fps, duration_s=perf.duration_s,
                    warnings=list(perf.provenance.warnings))


def test_a_new_front_end_is_a_few_lines(tmp_path, capsys):
    out = tmp_path / "out"
    argv = [str(DEMO), str(tmp_path / "gone.wav"), "-o", str(out), "--what", "face"]
    assert JawCsv().main(argv) == 1  # the missing file fails, the demo is written
    jaw = np.loadtxt(out / "demo_speech.csv")
    ref = inference.generate_file(DEMO, inference.GenerateOptions(fps=30.0, body=False))
    np.testing.assert_allclose(jaw, ref.arkit[:, ref.arkit_names.index("jawOpen")], atol=6e-6)
    assert json.loads((out / "gone.json").read_text())["error_code"] == "input_missing"
    assert JawCsv().main(argv) == 2 and "--skip-existing" in capsys.readouterr().err  # refused up front
    assert JawCsv().main(argv + ["--skip-existing"]) == 1
