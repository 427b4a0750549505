"""Developer scripts; none of them ships (``blender_manifest.toml`` excludes ``/tools/``).

One sub-package per concern:

- :mod:`tools.bake`: the repository loaded as the extension package in the bpy module
  (:func:`tools.bake.load_extension`, used by tests, benchmarks and the scripts below) and the
  headless batch bake ``python -m tools.bake``;
- :mod:`tools.packaging`: the extension zip and its wheels, clean Blender environments, the
  release matrix, the numpy 1/2 parity run;
- :mod:`tools.demo`: ``python -m tools.demo`` (``make demo``) and the bundled clip's synthesis;
- :mod:`tools.images`: the figures and renders of ``docs/``;
- :mod:`tools.eval`: face and body evaluation on data the project did not make, output fingerprints;
- :mod:`tools.fixtures`: synthetic inputs for tests and benchmarks.
"""
