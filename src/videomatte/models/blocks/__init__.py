"""The network's building blocks: layers, encoders, recurrent cells, the decoder, guided filters."""
