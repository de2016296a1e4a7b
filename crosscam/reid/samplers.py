"""P identities x K images per batch (the sampler batch-hard triplet mining needs).

One epoch visits every training image about once: each identity's images are
shuffled and cut into groups of K (topped up by resampling that identity when
it has fewer than K left), and batches take groups of P different identities
until fewer than P identities have groups left. ``repeats`` visits some
identities' images more than once per epoch (each pass a fresh shuffle), to
give a small source more weight. The order depends only on ``(seed, epoch)``,
so a resumed run sees the same batches.

Example:
    >>> sampler = PKSampler([0, 0, 1, 1, 2, 2], p=2, k=2, seed=0)
    >>> [len(batch) for batch in sampler.batches(epoch=0)]
    [4]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from crosscam.errors import CrosscamError


class PKSampler:
    def __init__(
        self, pids: Sequence[int], p: int = 16, k: int = 4, seed: int = 0, repeats: Mapping[int, int] | None = None
    ) -> None:
        self.by_pid: dict[int, list[int]] = defaultdict(list)
        for index, pid in enumerate(pids):
            self.by_pid[int(pid)].append(index)
        if len(self.by_pid) < p:
            raise CrosscamError(f"PK sampler needs at least P={p} identities, the training set has {len(self.by_pid)}")
        self.p, self.k, self.seed = p, k, seed
        self.repeats = dict(repeats or {})

    def batches(self, epoch: int) -> list[list[int]]:
        rng = np.random.default_rng([self.seed, epoch])
        groups: dict[int, list[list[int]]] = {}
        for pid, indices in self.by_pid.items():
            groups[pid] = []
            for _ in range(self.repeats.get(pid, 1)):
                order = list(rng.permutation(indices))
                if len(order) % self.k:
                    order += list(rng.choice(indices, self.k - len(order) % self.k, replace=True))
                groups[pid] += [order[i : i + self.k] for i in range(0, len(order), self.k)]
        batches = []
        while True:
            available = sorted(pid for pid, g in groups.items() if g)
            if len(available) < self.p:
                return batches
            chosen = rng.choice(available, self.p, replace=False)
            batches.append([int(i) for pid in chosen for i in groups[int(pid)].pop()])

    def __len__(self) -> int:
        return len(self.batches(0))
