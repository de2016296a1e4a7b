"""EfficientNet-Lite0 re-identification network: backbone -> linear embedding -> BNNeck.

``features -> Linear(1280, dim) -> f`` (the metric feature: triplet loss on it)
``f -> BatchNorm1d -> f_bn`` (the inference embedding, L2-normalised by the embedder;
the optional identity classifier reads it, as in BNNeck, Luo et al. 2019).
An optional ``projection`` (``dim x dim``, no bias) maps the unit-norm ``f_bn`` in eval mode:
the LDA head that training fits in closed form after the last epoch (:func:`set_projection`).

``frozen_stages`` freezes the stem plus that many of the seven MBConv stages
(weights fixed, batch norm in eval mode, no backward through them): the
early stages hold generic edge/texture filters and freezing 3 of them makes a
CPU training step about 2.5x faster.

Example:
    >>> net = EmbeddingNet(embedding_dim=512, pretrained=False).eval()
    >>> net(torch.zeros(2, 3, 256, 128)).shape
    torch.Size([2, 512])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from crosscam.reid.models.efficientnet_lite0 import create_efficientnet_lite0

BACKBONE_FEATURES = 1280


class EmbeddingNet(nn.Module):
    def __init__(
        self,
        embedding_dim: int = 512,
        num_classes: int = 0,
        frozen_stages: int = 0,
        pretrained: bool = True,
        projection: bool = False,
    ) -> None:
        super().__init__()
        self.backbone = create_efficientnet_lite0(num_classes=0, pretrained=pretrained)
        self.embedding = nn.Linear(BACKBONE_FEATURES, embedding_dim)
        self.bnneck = nn.BatchNorm1d(embedding_dim)
        self.bnneck.bias.requires_grad_(False)  # BNNeck: no shift, so f_bn stays centred for cosine distance
        self.classifier = nn.Linear(embedding_dim, num_classes, bias=False) if num_classes else None
        self.projection = nn.Linear(embedding_dim, embedding_dim, bias=False) if projection else None
        self.frozen_stages = frozen_stages
        for module in self._frozen_modules():
            module.requires_grad_(False)

    def _frozen_modules(self) -> list[nn.Module]:
        if self.frozen_stages == 0:
            return []
        return [self.backbone.conv_stem, self.backbone.bn1, *self.backbone.blocks[: self.frozen_stages]]

    def train(self, mode: bool = True) -> EmbeddingNet:
        super().train(mode)
        for module in self._frozen_modules():
            module.eval()  # frozen batch norm keeps its ImageNet statistics
        return self

    @torch.no_grad()
    def set_projection(self, weight: torch.Tensor) -> None:
        """Install the eval-time head ``embedding -> weight @ unit(embedding)`` (``weight``: ``dim x dim``)."""
        self.projection = nn.Linear(weight.shape[1], weight.shape[0], bias=False).requires_grad_(False)
        self.projection.weight.copy_(weight)

    @torch.no_grad()
    def frozen_features(self, images: torch.Tensor) -> torch.Tensor:
        """The output of the frozen stem and stages (``N x C x H/8 x W/8`` for 3 stages); it never changes in
        training, so a run may compute it once per image (:meth:`forward_from_frozen` continues from it)."""
        x = images
        for module in self._frozen_modules():
            x = module(x)
        return x

    def forward_from_frozen(
        self, frozen: torch.Tensor
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """:meth:`forward` from the output of :meth:`frozen_features`."""
        backbone = self.backbone
        x = frozen
        for block in backbone.blocks[self.frozen_stages :]:
            x = block(x)
        x = backbone.forward_head(backbone.bn2(backbone.conv_head(x)))
        return self._head(x)

    def _head(self, pooled: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        feature = self.embedding(pooled)
        embedding = self.bnneck(feature)
        if not self.training:
            return self.projection(F.normalize(embedding, dim=1)) if self.projection is not None else embedding
        logits = self.classifier(embedding) if self.classifier is not None else None
        return feature, embedding, logits

    def forward(self, images: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Eval: the BNNeck embedding ``N x dim``. Train: ``(f, BNNeck embedding, logits or None)``."""
        if self.frozen_stages and self.training:
            return self.forward_from_frozen(self.frozen_features(images))
        return self._head(self.backbone(images))
