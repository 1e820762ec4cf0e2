"""The architectures of the seed documents without released weights: MODNet-V's background restoration
(seed 003) and patch refinement (seed 003), and seed 004's ConvLSTM network."""
