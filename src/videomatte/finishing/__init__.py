"""After the network: despill (the person's colours in the soft edge) and the matte's finishing
(levels, shrink/grow, feather). ``Finishing`` is light; the operations import torch."""
from videomatte.finishing.settings import Finishing

__all__ = ["Finishing"]
