import numpy as np
import pytest
import torch

from videomatte.io.frames import to_numpy, to_rgb, to_tensor


def test_uint8_roundtrip_is_exact():
    pictures = np.random.default_rng(0).integers(0, 256, (2, 5, 7, 3), dtype=np.uint8)
    tensor = to_tensor(pictures)
    assert tensor.shape == (2, 3, 5, 7) and tensor.dtype == torch.float32
    assert tensor.min() >= 0 and tensor.max() <= 1
    assert np.array_equal(to_numpy(tensor), pictures)


def test_uint16_is_read_at_full_precision():
    pictures = np.array([[[0, 1, 65535]]], dtype=np.uint16)
    tensor = to_tensor(pictures)
    assert tensor.shape == (1, 3, 1, 1)
    assert tensor[0, 1, 0, 0].item() == pytest.approx(1 / 65535)
    assert np.array_equal(to_numpy(tensor, bits=16), pictures[None])


def test_float_to_uint8_rounds_instead_of_truncating():
    values = torch.tensor([0.0, 0.499 / 255, 0.501 / 255, 254.6 / 255, 1.0, 1.2, -0.1]).view(1, 1, 1, -1)
    assert to_numpy(values)[0, 0, :, 0].tolist() == [0, 0, 1, 255, 255, 255, 0]


def test_to_rgb_handles_gray_and_alpha():
    gray = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert to_rgb(gray).shape == (2, 3, 3)
    rgba = np.zeros((2, 3, 4), np.uint8)
    assert to_rgb(rgba).shape == (2, 3, 3)
    with pytest.raises(ValueError):
        to_rgb(np.zeros((2, 2, 5), np.uint8))


def test_to_numpy_gives_contiguous_channel_last_pictures_and_leaves_its_input_alone():
    alpha = torch.rand(2, 1, 5, 6)
    before = alpha.clone()
    pictures = to_numpy(alpha)
    assert pictures.shape == (2, 5, 6, 1) and pictures.flags["C_CONTIGUOUS"]
    assert torch.equal(alpha, before)  # the scaling runs in place, on a copy
    assert to_numpy(torch.rand(2, 3, 5, 6)).flags["C_CONTIGUOUS"]
