"""Embedders by name: ``create_embedder("openvino-0277")``, with flip TTA and weighted fusion.

The registry maps each name to a ``"module:function"`` factory, imported only
when needed, so adding an embedder is one line in :data:`EMBEDDERS`. A factory
is called as ``factory(assets_dir)`` and returns an :class:`Embedder`. Decorate
it with :func:`describes` so ``crosscam embedders`` can list its dimension,
input size and required assets without loading the model.

Spec grammar (``create_embedder``):

* ``NAME``: one embedder;
* ``NAME:flip``: horizontal-flip test-time augmentation (mean of crop and mirrored crop);
* ``A*0.6+B:flip*0.4``: weighted fusion, see :class:`~crosscam.embed.compose.FusedEmbedder`.

Example:
    >>> import numpy as np
    >>> embedder = create_embedder("hsv-stripes")
    >>> embedder.embed([np.zeros((160, 60, 3), np.uint8)]).shape
    (1, 768)
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from crosscam.assets import AssetStatus, status
from crosscam.embed.base import Embedder
from crosscam.embed.compose import FlipEmbedder, FusedEmbedder
from crosscam.errors import CrosscamError

EMBEDDERS: dict[str, str] = {
    "openvino-0277": "crosscam.embed.openvino_reid:create_0277",
    "openvino-0287": "crosscam.embed.openvino_reid:create_0287",
    "openvino-0288": "crosscam.embed.openvino_reid:create_0288",
    "crosscam-lite0": "crosscam.embed.trained:create",
    "osnet-x0.25-msmt17": "crosscam.embed.osnet:create",
    "effnet-lite0-imagenet": "crosscam.embed.effnet:create",
    "hsv-stripes": "crosscam.embed.hsv:create",
}

# Most accurate first (CUHK01 test rank-1); the default is the first one available.
# The assets models come first; crosscam-lite0 (shipped with the package, CUHK01 split-0 86.1 rank-1) is the fallback.
DEFAULT_PREFERENCE = (
    "openvino-0277",
    "openvino-0287",
    "openvino-0288",
    "osnet-x0.25-msmt17",
    "crosscam-lite0",
    "effnet-lite0-imagenet",
)

log = logging.getLogger(__name__)

_PART = re.compile(r"^(?P<name>[^:*\s]+)(?P<flip>:flip)?(?:\*(?P<weight>\d+(?:\.\d*)?|\.\d+))?$")


class EmbedderInfo(NamedTuple):
    name: str
    dim: int | None
    input_size: tuple[int, int] | None
    available: bool
    reason: str  # why it is unavailable; empty when available


def describes(dim: int, input_size: tuple[int, int], assets: Sequence[str] = ()) -> Callable:
    """Attach what ``crosscam embedders`` lists to a factory: dimension, (h, w) input size, required asset names."""

    def mark(factory: Callable) -> Callable:
        factory.dim, factory.input_size, factory.assets = dim, tuple(input_size), tuple(assets)
        return factory

    return mark


def _known() -> str:
    return ", ".join(EMBEDDERS)


def _import_factory(name: str) -> Callable[..., Embedder]:
    """The factory behind ``name``; CrosscamError for an unknown name, ImportError when its module does not import."""
    if name not in EMBEDDERS:
        raise CrosscamError(f"unknown embedder {name!r}; known embedders: {_known()}")
    module_name, _, function_name = EMBEDDERS[name].partition(":")
    try:
        return getattr(importlib.import_module(module_name), function_name)
    except ImportError as error:
        raise ImportError(f"cannot import {module_name} ({error})") from error


def _factory(name: str) -> Callable[..., Embedder]:
    try:
        return _import_factory(name)
    except ImportError as error:
        raise CrosscamError(f"embedder {name!r} is unavailable: {error}") from error


def _info(name: str, assets_dir: str | None) -> EmbedderInfo:
    try:
        factory = _import_factory(name)
        if not hasattr(factory, "assets"):  # undecorated factory: build it to learn what it is
            embedder = factory(assets_dir)
            return EmbedderInfo(name, embedder.dim, tuple(embedder.input_size), True, "")
    except (ImportError, CrosscamError) as error:
        return EmbedderInfo(name, None, None, False, str(error))
    for asset in factory.assets:
        found = status(asset, assets_dir)
        if found.state != "present":
            return EmbedderInfo(name, factory.dim, factory.input_size, False, f"asset {asset!r} is {found.state}")
    return EmbedderInfo(name, factory.dim, factory.input_size, True, "")


def available_embedders(assets_dir: str | None = None) -> list[EmbedderInfo]:
    """Every registered embedder with its dimension, input size and whether it can be built here (and why not)."""
    return [_info(name, assets_dir) for name in EMBEDDERS]


def default_embedder_name(assets_dir: str | None = None) -> str:
    """The most accurate embedder whose code and assets are available; ``effnet-lite0-imagenet`` as the last resort.

    An asset that is present but corrupt is a CrosscamError naming the file (never a silent switch to a weaker
    model); a fallback because assets or code are absent is logged as a warning, which reaches the console.
    """
    skipped = []
    for name in DEFAULT_PREFERENCE:
        info = _info(name, assets_dir)
        if info.available:
            if skipped:
                log.warning("embedder %s (more accurate ones unavailable: %s)", name, "; ".join(skipped))
            return name
        corrupt = _corrupt_asset(name, assets_dir)
        if corrupt is not None:
            raise CrosscamError(
                f"asset {corrupt.name!r} at {corrupt.location} is corrupt (sha256 mismatch): the default embedder "
                f"{name} needs it; restore the file, or choose an embedder with --embedder"
            )
        skipped.append(f"{name}: {info.reason}")
    log.warning("embedder %s as the last resort (%s)", DEFAULT_PREFERENCE[-1], "; ".join(skipped))
    return DEFAULT_PREFERENCE[-1]


def _corrupt_asset(name: str, assets_dir: str | None) -> AssetStatus | None:
    """The first corrupt asset embedder ``name`` declares, if any (a factory that does not import declares none)."""
    try:
        factory = _import_factory(name)
    except (ImportError, CrosscamError):
        return None
    for asset in getattr(factory, "assets", ()):
        found = status(asset, assets_dir)
        if found.state == "corrupt":
            return found
    return None


def default_among(infos: Sequence[EmbedderInfo]) -> str:
    """:func:`default_embedder_name` from an :func:`available_embedders` listing (no second availability check)."""
    available = {info.name for info in infos if info.available}
    return next((name for name in DEFAULT_PREFERENCE if name in available), DEFAULT_PREFERENCE[-1])


def _create_part(part: str, assets_dir: str | None) -> tuple[Embedder, float]:
    match = _PART.match(part.strip())
    if not match:
        raise CrosscamError(f"bad embedder spec part {part!r}; expected NAME, NAME:flip or either with *WEIGHT")
    embedder = _factory(match["name"])(assets_dir)
    if match["flip"]:
        embedder = FlipEmbedder(embedder)
    weight = float(match["weight"]) if match["weight"] else 1.0
    return embedder, weight


def create_embedder(spec: str, assets_dir: str | None = None) -> Embedder:
    """Build the embedder ``spec`` names: ``NAME``, ``NAME:flip`` or a fusion ``A*0.6+B:flip*0.4``."""
    parts = [_create_part(part, assets_dir) for part in spec.split("+")]
    if len(parts) == 1:
        return parts[0][0]
    if sum(weight for _, weight in parts) <= 0:
        raise CrosscamError(f"embedder fusion {spec!r} has weights summing to 0")
    return FusedEmbedder(parts)
