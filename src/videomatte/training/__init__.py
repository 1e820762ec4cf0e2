"""Training of the matting network: datasets in their real on-disk formats, the reference's motion
augmentation, the losses, the four-stage recipe as config files, and a trainer that runs the same code
on one CPU or on many GPUs under ``torchrun``.

Nothing heavy is imported here; use the submodules (``videomatte.training.trainer`` and friends).
"""
