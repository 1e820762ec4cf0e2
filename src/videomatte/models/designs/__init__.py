"""Designs without released weights, from the project's seed documents: MODNet-V's background
restoration and patch refinement (Sun et al., seed document 003), and the DeepLab + ConvLSTM network of
"Video Matting with Convolutional LSTM" (Zhang et al., seed document 004)."""
