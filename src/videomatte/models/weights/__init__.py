"""Weights: the cache and downloads of the official weights, reading checkpoints and the authors' ONNX
export, and ``load_model`` (the zoo)."""
