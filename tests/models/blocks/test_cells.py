"""The ConvLSTM cell of seed 004 and the RVM decoder that uses it."""
from __future__ import annotations

import torch
from torch.nn import functional as F

from videomatte.models.blocks.cells import ConvLSTM


def _seed_equations(cell: ConvLSTM, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Seed 004 eq. 3 written out with separate input and hidden convolutions per gate."""
    ch = cell.channels
    w, b = cell.gates.weight, cell.gates.bias
    gate = {}
    for k, name in enumerate("ifog"):
        w_x, w_h = w[k * ch : (k + 1) * ch, :ch], w[k * ch : (k + 1) * ch, ch:]
        gate[name] = F.conv2d(x, w_x, padding=1) + F.conv2d(h, w_h, padding=1) + b[k * ch : (k + 1) * ch, None, None]
    i, f, o, g = torch.sigmoid(gate["i"]), torch.sigmoid(gate["f"]), torch.sigmoid(gate["o"]), torch.tanh(gate["g"])
    c = f * c + i * g
    return o * torch.tanh(c), c


def test_step_follows_the_gate_equations() -> None:
    torch.manual_seed(0)
    cell = ConvLSTM(5)
    x, h, c = torch.randn(2, 5, 7, 9), torch.randn(2, 5, 7, 9), torch.randn(2, 5, 7, 9)
    h_ours, c_ours = cell.step(x, h, c)
    h_ref, c_ref = _seed_equations(cell, x, h, c)
    torch.testing.assert_close(h_ours, h_ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(c_ours, c_ref, rtol=1e-5, atol=1e-5)


def test_state_packs_hidden_and_cell_and_carries_over() -> None:
    torch.manual_seed(0)
    cell = ConvLSTM(4)
    x = torch.randn(2 * 3, 4, 5, 6)  # B=2, T=3 flattened
    out, state = cell(x, None, 3)
    assert out.shape == (6, 4, 5, 6) and state.shape == (2, 8, 5, 6)
    h, c = state.split(4, dim=1)
    torch.testing.assert_close(h, out.unflatten(0, (2, 3))[:, -1])
    assert not torch.allclose(c, h)  # the cell state is carried, not a copy of h

    # one chunk of 3 frames == three single-frame calls with the state passed along
    seq = x.unflatten(0, (2, 3))
    carried = None
    for t in range(3):
        step_out, carried = cell(seq[:, t], carried, 1)
        torch.testing.assert_close(step_out, out.unflatten(0, (2, 3))[:, t], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(carried, state, rtol=1e-5, atol=1e-6)


def test_forget_gate_starts_open() -> None:
    cell = ConvLSTM(3)
    assert torch.all(cell.gates.bias[3:6] == 1.0)
