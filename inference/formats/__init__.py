"""Exchange file formats (bpy-free): BEAT2/EMAGE ``.npz``, BVH, Live Link Face ARKit CSV."""
