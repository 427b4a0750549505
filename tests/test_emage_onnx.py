"""Our minimal ONNX writer against the onnx package (dev only) and onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from inference.emage import graph, onnx_proto as P
from inference.emage.checkpoint import load_checkpoint

from test_emage_checkpoint import fixture


def test_tiny_model_roundtrips_through_onnx_and_runs(tmp_path):
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort

    parts = P.GraphParts("tiny")
    parts.inputs.append(P.value_info("x", np.float32, ["N", 3]))
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    parts.initializers.append(("w", w))
    parts.initializers.append(("b", np.array([0.5, -1.0], np.float32)))
    parts.nodes.append(P.node("Gemm", ["x", "w", "b"], ["y0"], attrs={"transB": 1, "alpha": 1.0}))
    parts.nodes.append(P.node("LeakyRelu", ["y0"], ["y"], attrs={"alpha": 0.2}))
    parts.nodes.append(P.node("Transpose", ["y"], ["yt"], attrs={"perm": [1, 0]}))
    parts.outputs.append(P.value_info("y", np.float32, ["N", 2]))
    parts.outputs.append(P.value_info("yt", np.float32, [2, "N"]))
    path = tmp_path / "tiny.onnx"
    P.write_model(parts, path)
    m = onnx.load(str(path))
    onnx.checker.check_model(m, full_check=True)
    assert m.opset_import[0].version == P.OPSET and m.ir_version == P.IR_VERSION
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(m.graph.initializer[0]), w)
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in m.graph.node[0].attribute}
    assert attrs == {"transB": 1, "alpha": 1.0}
    x = np.array([[1, -2, 3], [0.5, 0, -1]], np.float32)
    y, yt = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    ref = x @ w.T + np.array([0.5, -1.0], np.float32)
    ref = np.where(ref > 0, ref, 0.2 * ref)
    np.testing.assert_allclose(y, ref, rtol=1e-6)
    np.testing.assert_allclose(yt, ref.T, rtol=1e-6)


def test_emage_graphs_pass_the_onnx_checker(tmp_path):
    onnx = pytest.importorskip("onnx")
    ck = load_checkpoint(fixture("weights_small"))
    for name, parts in (("main", graph.build_main(ck.main, ck.config)), ("vq", graph.build_vq(ck)),
                        ("global", graph.build_global(ck))):
        path = tmp_path / f"{name}.onnx"
        P.write_model(parts, path)
        onnx.checker.check_model(onnx.load(str(path)), full_check=True)
