"""Import and export of performances: BEAT2/EMAGE ``.npz``, Live Link Face ARKit CSV, BVH.

- **Import** (``speechanim.import_motion``): a ``.npz`` (BEAT2/EMAGE layout, e.g. EMAGE run
  elsewhere), a ``.bvh`` written by :func:`inference.formats.bvh.write_smplx_bvh`, or a Live Link
  Face ``.csv`` is resampled to the scene rate and baked onto the Speech panel's face mesh and
  armature through the same targets and bake as Generate.
- **Export** (``speechanim.export_motion``): what is on the chosen character over a frame range,
  read back from its F-curves (face keys through the ARKit matching, body bones through the
  inverse retarget), written as ``.npz``, ``.csv`` or ``.bvh``: the BVH is SMPL-X's skeleton in the
  SMPL-X convention (Y up, centimetres, :func:`inference.formats.bvh.write_smplx_bvh`), the one
  Import Motion reads, so an exported file imports back as it was keyed (docs/formats.md).
- For the baked result in other tools use Blender's glTF / FBX exporters (tested for glTF in
  ``tests/blender/test_rigs_exports.py``).
"""

from __future__ import annotations

import os

import bpy
import numpy as np
from bpy.props import EnumProperty, IntProperty, StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from ..inference.formats.arkit_csv import read_arkit_csv, write_arkit_csv
from ..inference.formats.beat2 import read_beat2_npz, write_beat2_npz
from ..inference.formats.bvh import write_smplx_bvh
from ..inference.formats.resample import resample_performance
from ..inference.options import GenerateOptions
from ..inference.performance import Performance, Provenance
from ..inference.timebase import scene_rate
from ..rigs.arkit import ARKIT_INDEX, NUM_ARKIT
from ..rigs.retarget import plan_retarget
from ..rigs.retarget_inverse import inverse_from_posed, inverse_retarget, inverse_translation
from . import bake, compat, layers
from .mapping_ui import poll_character


def read_performance(path: str, fps_hint: float = 60.0) -> Performance:
    """Read ``.npz`` / ``.bvh`` / ``.csv`` into a Performance (its own rate).

    Raises:
        ValueError: unknown extension (choices listed) or a malformed file (from the readers).
        FileNotFoundError: no such file.
    """
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        return read_beat2_npz(path)
    if ext == ".bvh":
        return read_bvh_blender(path)
    if ext == ".csv":
        times, arkit, _rot = read_arkit_csv(path, fps_hint)
        step = np.median(np.diff(times)) if len(times) > 1 else 1.0 / fps_hint
        return Performance(float(round(1.0 / step, 3)), arkit, provenance=Provenance(face_model="csv", device="file"))
    raise ValueError(f"{path}: expected a .npz, .bvh or .csv file, found {ext or 'no extension'!r}")


def read_bvh_blender(path: str, scale: float = 100.0) -> Performance:
    """An SMPL-X ``.bvh`` (as written by Export Motion or :func:`inference.formats.bvh.write_smplx_bvh`)
    read with Blender's own BVH parser (``io_anim_bvh``, shipped with Blender: no ``bvhio`` needed)
    checked by :func:`inference.formats.bvh.check_smplx_axes` and converted by
    :func:`inference.formats.bvh.performance_from_bvh_channels`.

    Args:
        path: the file. scale: file units per metre (100: centimetres).

    Raises:
        FileNotFoundError: no such file. FormatError: not a BVH, not the SMPL-X skeleton, or not
        in the SMPL-X convention (Y up, centimetres), e.g. a file from Blender's own BVH exporter.
    """
    from io_anim_bvh.import_bvh import read_bvh

    from ..inference.formats.beat2 import FormatError
    from ..inference.formats.bvh import check_smplx_axes, performance_from_bvh_channels

    if not os.path.isfile(path):
        raise FileNotFoundError(f"BVH: no such file {path!r}")
    try:
        nodes, frame_time, _count = read_bvh(bpy.context, path, rotate_mode='NATIVE', global_scale=1.0 / scale)
    except Exception as exc:  # the parser raises bare Exception / IndexError / ValueError on bad text
        raise FormatError(f"{path}: not a readable BVH file ({type(exc).__name__}: {exc})") from exc
    joints = sorted(nodes.values(), key=lambda n: n.index)
    check_smplx_axes([n.name for n in joints], [tuple(n.rest_head_world) for n in joints], path)
    frames = [np.asarray(n.anim_data[1:], np.float64) for n in joints]  # anim_data[0]: the parser's rest frame
    eulers = np.stack([f[:, 3:] for f in frames], axis=1) if joints else np.zeros((0, 0, 3))
    root = joints[0] if joints else None
    return performance_from_bvh_channels(
        [n.name for n in joints], [n.rot_order_str for n in joints], eulers,
        frames[0][:, :3] if joints else np.zeros((0, 3)), tuple(root.rest_head_local) if root else (0, 0, 0),
        float(frame_time or 0.0), path)


def performance_from_scene(scene, face_obj, armature, frame_start: int, frame_end: int) -> Performance:
    """What plays on the character over ``[frame_start, frame_end]``, as a Performance.

    Face: each matched ARKit name reads its first shape key (F-curve value, else the current value).
    Body: mapped pose-bone rotations -> SMPL-X poses via :func:`rigs.retarget.inverse_retarget`, the
    root bone's location -> ``transl``. Missing parts stay ``None`` (ARKit zeros).
    When more than the active action plays (:func:`addon.layers.plays_layers`: after regenerating
    with edits the active action is the edit layer, the generated base plays under it on the NLA),
    the values are Blender's evaluation at each frame (base + edits), not the active action's curves.

    Raises:
        ValueError: the range is empty, or there is neither a face mesh nor an armature.
    """
    if frame_end < frame_start:
        raise ValueError(f"frame range: expected end >= start, found {frame_start}..{frame_end}")
    if face_obj is None and armature is None:
        raise ValueError("export: choose a face mesh or an armature in the Speech panel")
    frames = np.arange(frame_start, frame_end + 1, dtype=np.float64)
    t = frames.size
    arkit = np.zeros((t, NUM_ARKIT), np.float32)
    if face_obj is not None and face_obj.type == 'MESH' and face_obj.data.shape_keys is not None:
        from .targets_face import face_match

        key = face_obj.data.shape_keys
        m = face_match(face_obj)
        curves = _fcurves(key)
        paths = {a: f'key_blocks["{bpy.utils.escape_identifier(keys[0])}"].value' for a, keys in m.mapping.items()}
        if layers.plays_layers(key):
            played = layers.evaluated_values(key, scene, [(p, 0) for p in paths.values()], frames)
            for a, vals in zip(paths, played):
                arkit[:, ARKIT_INDEX[a]] = vals
        else:
            for a, keys in m.mapping.items():
                fc = curves.get((paths[a], 0))
                vals = [fc.evaluate(f) for f in frames] if fc else [key.key_blocks[keys[0]].value] * t
                arkit[:, ARKIT_INDEX[a]] = vals
    poses = transl = None
    if armature is not None and armature.type == 'ARMATURE':
        from .targets_body import (bone_rotation, constrained_chain, deform_positions, evaluated_rotations,
                                   resolve_bone_map, skeleton_of)

        bmap, _ = resolve_bone_map(armature)
        skel = skeleton_of(armature)
        plan = plan_retarget(skel, bmap, position_map=deform_positions(armature, bmap))
        action, slot = compat.assigned(armature)
        fcs = compat.action_fcurves(action, slot) if action else []
        quats = {}
        for b in plan.mapped:
            name = skel.names[int(b)]
            q, _keyed = bone_rotation(fcs, name, armature.pose.bones[name].rotation_mode, frames)
            if q is not None:
                quats[int(b)] = q
        mapped_names = [skel.names[int(b)] for b in plan.mapped]
        played = layers.plays_layers(armature)
        if played or constrained_chain(armature, mapped_names):  # evaluate the real pose (layers, constraints)
            poses = inverse_from_posed(plan, evaluated_rotations(armature, [int(b) for b in plan.mapped], frames), t)
        else:
            poses = inverse_retarget(plan, quats, t)
        root = skel.names[plan.root]
        loc_path = f'pose.bones["{bpy.utils.escape_identifier(root)}"].location'
        loc = np.zeros((t, 3))
        if played:
            loc[:] = layers.evaluated_values(armature, scene, [(loc_path, i) for i in range(3)], frames).T
        else:
            for f in fcs:
                if f.data_path == loc_path:
                    loc[:, f.array_index] = [f.evaluate(x) for x in frames]
        transl = inverse_translation(plan, loc)
    fps = scene_rate(scene.render.fps, scene.render.fps_base)
    return Performance(fps, np.clip(arkit, 0.0, 1.0),
                       jaw_pose=None if poses is None else poses[:, 22].copy(), smplx_poses=poses, transl=transl,
                       provenance=Provenance(device="scene"),
                       transl_origin="rest")  # the root bone's location is 0 at its rest location


def _fcurves(id_data) -> dict:
    action, slot = compat.assigned(id_data)
    if action is None:
        return {}
    return {(f.data_path, f.array_index): f for f in compat.action_fcurves(action, slot)}


def bake_performance(context, perf: Performance, source: str):
    """Bake ``perf`` (resampled to the scene rate) onto the Speech panel's face mesh(es) / armature
    through :func:`addon.pipeline.apply`: the same target building, bake, key reduction and
    replace-generated setting as Generate (``source`` names the actions, like Generate's audio).
    The armature is animated only when ``perf`` has body motion.

    Returns:
        :class:`addon.pipeline.Outcome`.

    Raises:
        addon.errors.TargetError, addon.bake.BakeError, addon.pipeline.JobError: with clear
        messages; nothing is changed when one is raised.
    """
    from . import pipeline

    s = context.scene.speech_animator
    perf = resample_performance(perf, scene_rate(context.scene.render.fps, context.scene.render.fps_base))
    face_objects = pipeline.face_objects_from(s, context)
    armature = s.armature.name if s.armature is not None and perf.smplx_poses is not None else ""
    options = GenerateOptions(fps=float(perf.fps), face=bool(face_objects), body=bool(armature))
    job = pipeline.Job(source, int(s.frame_start), options, face_objects=face_objects, armature=armature,
                       key_tolerance=s.key_tolerance if s.use_key_reduction else None,
                       replace_generated=s.replace_generated)
    return pipeline.apply(job, perf)


class SPEECHANIM_OT_import_motion(bpy.types.Operator, ImportHelper):
    """Bake a BEAT2/EMAGE .npz, an SMPL-X .bvh or a Live Link Face .csv onto the chosen face and armature"""

    bl_idname = "speechanim.import_motion"
    bl_label = "Import Motion"
    bl_options = {'REGISTER', 'UNDO'}

    filter_glob: StringProperty(default="*.npz;*.bvh;*.csv", options={'HIDDEN'})
    csv_fps: IntProperty(name="CSV Timecode Rate", default=60, min=1, max=240,
                         description="Frame rate the CSV timecodes count in (Live Link Face: 60 or 30)")

    poll = classmethod(poll_character)

    def execute(self, context):
        try:
            perf = read_performance(self.filepath, float(self.csv_fps))
            outcome = bake_performance(context, perf, self.filepath)
        except (OSError, ValueError, bake.BakeError) as exc:  # TargetError, JobError, format errors
            self.report({'ERROR'}, str(exc))
            return {'CANCELLED'}
        for w in outcome.warnings:
            self.report({'WARNING'}, w)
        self.report({'INFO'}, f"Imported {os.path.basename(self.filepath)}: {', '.join(outcome.result.actions)}")
        return {'FINISHED'}


class SPEECHANIM_OT_export_motion(bpy.types.Operator, ExportHelper):
    """Export the chosen character's animation as BEAT2 .npz, Live Link Face .csv or BVH"""

    bl_idname = "speechanim.export_motion"
    bl_label = "Export Motion"

    filename_ext = ".npz"
    filter_glob: StringProperty(default="*.npz;*.csv;*.bvh", options={'HIDDEN'})
    format: EnumProperty(name="Format", items=(
        ('NPZ', "BEAT2 .npz", "SMPL-X poses + ARKit curves (EMAGE/BEAT2 layout)"),
        ('CSV', "ARKit CSV", "Live Link Face column layout"),
        ('BVH', "SMPL-X .bvh", "SMPL-X skeleton and poses, Y up, centimetres (what Import Motion reads)"),
    ), default='NPZ')
    frame_start: IntProperty(name="Start", default=1)
    frame_end: IntProperty(name="End", default=250)

    poll = classmethod(poll_character)

    def invoke(self, context, event):
        self.frame_start, self.frame_end = context.scene.frame_start, context.scene.frame_end
        return super().invoke(context, event)

    def check(self, context):
        self.filename_ext = {"NPZ": ".npz", "CSV": ".csv", "BVH": ".bvh"}[self.format]
        return super().check(context)

    def execute(self, context):
        s = context.scene.speech_animator
        path = self.filepath
        try:
            if self.format == 'BVH' and s.armature is None:
                self.report({'ERROR'}, "BVH export needs an armature chosen in the Speech panel")
                return {'CANCELLED'}
            perf = performance_from_scene(context.scene, s.face_object, s.armature, self.frame_start, self.frame_end)
            if self.format == 'NPZ':
                write_beat2_npz(path, perf)
            elif self.format == 'BVH':
                write_smplx_bvh(path, perf)
            else:
                write_arkit_csv(path, perf)
        except (OSError, ValueError) as exc:
            self.report({'ERROR'}, str(exc))
            return {'CANCELLED'}
        self.report({'INFO'}, f"Wrote {path} ({self.frame_end - self.frame_start + 1} frames)")
        return {'FINISHED'}


def _menu_import(self, _context):
    self.layout.operator(SPEECHANIM_OT_import_motion.bl_idname, text="Speech Animator Motion (.npz/.bvh/.csv)")


def _menu_export(self, _context):
    self.layout.operator(SPEECHANIM_OT_export_motion.bl_idname, text="Speech Animator Motion (.npz/.csv/.bvh)")


CLASSES = (SPEECHANIM_OT_import_motion, SPEECHANIM_OT_export_motion)


_register_classes, _unregister_classes = bpy.utils.register_classes_factory(CLASSES)


def register() -> None:
    _register_classes()
    bpy.types.TOPBAR_MT_file_import.append(_menu_import)
    bpy.types.TOPBAR_MT_file_export.append(_menu_export)


def unregister() -> None:
    bpy.types.TOPBAR_MT_file_export.remove(_menu_export)
    bpy.types.TOPBAR_MT_file_import.remove(_menu_import)
    _unregister_classes()
