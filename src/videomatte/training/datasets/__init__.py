"""Training datasets in their real on-disk formats.

- :mod:`.videomatte`: VideoMatte240K clips and image mattes (D646 / AIM layouts) as foregrounds.
- :mod:`.footage`: a user's own footage with alpha (frame folders or video files).
- :mod:`.backgrounds`: background images and background videos.
- :mod:`.matting`: the composited matting sequences built from those.
- :mod:`.coco`, :mod:`.supervisely`, :mod:`.youtubevis`: person segmentation data.
- :mod:`.sampling`: deterministic per-step, per-rank sampling (exact resume, DDP).
"""
