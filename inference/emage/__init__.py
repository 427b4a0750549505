"""EMAGE audio-only checkpoints (bring your own weights) on onnxruntime, without torch.

Modules: :mod:`.weights` (safe safetensors / torch-zip readers), :mod:`.checkpoint` (configs,
expected tensors, validation), :mod:`.onnx_proto` + :mod:`.graph` (ONNX graphs built from the
weights), :mod:`.convert` (cached one-time conversion), :mod:`.runner` (windowed inference),
:mod:`.rotations` (the reference's float32 rotation formulas), :mod:`.backend` (body and face
backends ``"emage"``), :mod:`.face` (FLAME -> ARKit), :mod:`.synthetic` (random-weight folders for
tests and benchmarks). See ``docs/emage.md``.
"""
