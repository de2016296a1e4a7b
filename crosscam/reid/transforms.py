"""Image preprocessing shared by training and inference, and cheap batch augmentation.

Training images are decoded and resized once into a uint8 tensor (``N x 3 x H x W``,
RGB), so a training step only pays for tensor-level augmentation: horizontal
flip, pad-and-random-crop and random erasing. Inference uses the same resize
(:func:`resize_rgb`) so train and test pixels match.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms import v2
from tqdm import tqdm

from crosscam.imageio import read_bgr


def resize_rgb(bgr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """BGR uint8 crop -> RGB uint8 ``H x W x 3`` at ``size`` = (height, width)."""
    height, width = size
    resized = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)


def crops_to_uint8(crops: Sequence[np.ndarray], size: tuple[int, int]) -> torch.Tensor:
    """BGR crops -> uint8 tensor ``N x 3 x H x W`` (RGB)."""
    batch = np.stack([resize_rgb(crop, size) for crop in crops])
    return torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous()


def load_images(paths: Sequence[Path], size: tuple[int, int], progress: bool = True) -> torch.Tensor:
    """Decode and resize image files once into a uint8 tensor ``N x 3 x H x W``."""
    out = torch.empty((len(paths), 3, *size), dtype=torch.uint8)
    for i, path in enumerate(tqdm(paths, desc="decode", unit="img", leave=False, disable=not progress)):
        out[i] = torch.from_numpy(resize_rgb(read_bgr(path), size)).permute(2, 0, 1)
    return out


def normalize(images: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """uint8 ``N x 3 x H x W`` -> float32 ``(x / 255 - mean) / std``."""
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (images.float() / 255.0 - mean_t) / std_t


class BatchAugment:
    """Per-sample flip, pad-and-random-crop and random erasing on a normalised float batch.

    All randomness comes from ``generator`` so a resumed run repeats the same augmentation.
    """

    def __init__(self, pad: int = 10, flip_p: float = 0.5, erase_p: float = 0.5) -> None:
        self.pad = pad
        self.flip_p = flip_p
        self.erase = v2.RandomErasing(p=1.0, value=0)
        self.erase_p = erase_p

    def __call__(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, height, width = batch.shape
        flips = torch.rand(n, generator=generator) < self.flip_p
        batch = torch.where(flips.view(n, 1, 1, 1), batch.flip(3), batch)
        padded = F.pad(batch, (self.pad, self.pad, self.pad, self.pad))
        tops = torch.randint(0, 2 * self.pad + 1, (n,), generator=generator).tolist()
        lefts = torch.randint(0, 2 * self.pad + 1, (n,), generator=generator).tolist()
        erase = (torch.rand(n, generator=generator) < self.erase_p).tolist()
        out = torch.empty_like(batch)
        for i in range(n):
            out[i] = padded[i, :, tops[i] : tops[i] + height, lefts[i] : lefts[i] + width]
            if erase[i]:
                out[i] = _fork_erase(self.erase, out[i], generator)
        return out


# One colour-jittered copy per image (``crosscam train --colour-jitter``): cameras differ in white balance,
# exposure and saturation far more than the two CUHK cameras do; the strengths are torchreid's ``color_jitter``
# (0.2-0.3) and a 10 % grayscale draw as in cross-domain re-identification baselines.
COLOUR_JITTER = {"brightness": 0.3, "contrast": 0.3, "saturation": 0.3, "hue": 0.05}
GRAYSCALE_P = 0.1


def colour_jittered(images: torch.Tensor, seed: int) -> torch.Tensor:
    """A copy of the uint8 ``N x 3 x H x W`` RGB ``images``, each with its own random brightness, contrast,
    saturation and hue change (one in ten turned gray), the same for the same ``seed``."""
    jitter = v2.Compose([v2.ColorJitter(**COLOUR_JITTER), v2.RandomGrayscale(p=GRAYSCALE_P)])
    out = torch.empty_like(images)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i in range(len(images)):
            out[i] = jitter(images[i])
    return out


# ``crosscam train --degrade``: what other cameras do to a crop besides its colours. A far or cheap camera
# gives a person fewer pixels (down to a third of the training resolution, upsampled back as every crop is),
# focus and motion blur soften it, and recorders compress it hard. Each is drawn independently per image.
DOWNSCALE_P, DOWNSCALE_RANGE = 0.5, (1.5, 3.0)
BLUR_P, BLUR_SIGMA_RANGE = 0.3, (0.5, 1.5)
JPEG_P, JPEG_QUALITY_RANGE = 0.5, (30, 90)


def camera_degraded(images: torch.Tensor, seed: int) -> torch.Tensor:
    """A copy of the uint8 ``N x 3 x H x W`` RGB ``images``, each independently downscaled and upsampled back
    (p 0.5, factor 1.5-3), blurred (p 0.3, sigma 0.5-1.5 px) and JPEG-compressed (p 0.5, quality 30-90), the
    same for the same ``seed``."""
    rng = np.random.default_rng(seed)
    out = torch.empty_like(images)
    height, width = images.shape[-2:]
    for i in range(len(images)):
        image = np.ascontiguousarray(images[i].permute(1, 2, 0).numpy())
        if rng.random() < DOWNSCALE_P:
            factor = rng.uniform(*DOWNSCALE_RANGE)
            small = (max(1, round(width / factor)), max(1, round(height / factor)))
            image = cv2.resize(cv2.resize(image, small, interpolation=cv2.INTER_AREA), (width, height))
        if rng.random() < BLUR_P:
            image = cv2.GaussianBlur(image, (0, 0), rng.uniform(*BLUR_SIGMA_RANGE))
        if rng.random() < JPEG_P:
            quality = int(rng.integers(JPEG_QUALITY_RANGE[0], JPEG_QUALITY_RANGE[1] + 1))
            bgr = np.ascontiguousarray(image[:, :, ::-1])  # OpenCV's JPEG codec takes BGR
            _, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
            image = cv2.imdecode(encoded, cv2.IMREAD_COLOR)[:, :, ::-1]
        image = np.ascontiguousarray(image)
        out[i] = torch.from_numpy(image).permute(2, 0, 1)
    return out


def pick_copies(
    originals: tuple[torch.Tensor, ...], copies: tuple[torch.Tensor, ...], p: float, generator: torch.Generator
) -> tuple[torch.Tensor, ...]:
    """Per sample (first dimension), the rows of ``copies`` with probability ``p``, else those of ``originals``
    (the same choice across the tuple, e.g. plain and mirrored features)."""
    use = torch.rand(len(originals[0]), generator=generator) < p
    picked = tuple(original.clone() for original in originals)
    for out, copy in zip(picked, copies, strict=True):
        out[use] = copy[use]
    return picked


class FrozenFeatureAugment:
    """The augmentation of :class:`BatchAugment`, moved after the frozen stages of the network.

    A run with ``cache_frozen`` computes the frozen stages' output once per training image, for the
    image and its mirror image, both padded by ``pad_cells`` feature cells' worth of pixels (one cell is
    ``stride`` pixels). A step then picks one of the two per sample (flip), crops the unpadded size at a
    random whole-cell offset (pad-and-crop in steps of ``stride`` pixels; a shift of whole cells shifts
    the feature map of a convolutional network, up to its border) and zeroes a random rectangle of the
    feature map (random erasing). Only the flip is exact; the crop is coarser and the erasing acts on
    features instead of pixels.
    """

    def __init__(self, pad_cells: int = 1, flip_p: float = 0.5, erase_p: float = 0.5) -> None:
        self.pad_cells = pad_cells
        self.flip_p = flip_p
        self.erase = v2.RandomErasing(p=1.0, value=0)
        self.erase_p = erase_p

    def __call__(self, plain: torch.Tensor, mirrored: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """``plain`` / ``mirrored``: padded frozen features ``N x C x (H + 2p) x (W + 2p)`` -> ``N x C x H x W``."""
        n, channels, padded_height, padded_width = plain.shape
        height, width = padded_height - 2 * self.pad_cells, padded_width - 2 * self.pad_cells
        flips = (torch.rand(n, generator=generator) < self.flip_p).tolist()
        tops = torch.randint(0, 2 * self.pad_cells + 1, (n,), generator=generator).tolist()
        lefts = torch.randint(0, 2 * self.pad_cells + 1, (n,), generator=generator).tolist()
        erase = (torch.rand(n, generator=generator) < self.erase_p).tolist()
        out = torch.empty((n, channels, height, width), dtype=torch.float32)
        for i in range(n):
            source = mirrored[i] if flips[i] else plain[i]
            out[i] = source[:, tops[i] : tops[i] + height, lefts[i] : lefts[i] + width].float()
            if erase[i]:
                out[i] = _fork_erase(self.erase, out[i], generator)
        return out


def _fork_erase(erase: v2.RandomErasing, tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    # torchvision's RandomErasing draws from the global RNG; fork it from our generator for reproducibility.
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return erase(tensor)
