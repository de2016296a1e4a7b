"""P identities x K images per batch (the sampler batch-hard triplet mining needs).

Each identity's images are cut into groups of K, and batches take groups of P
different identities until fewer than P identities have groups left. How an
epoch makes an identity's groups:

- ``"padded"``: shuffle its images and top the last group up to K by
  resampling that identity, so an identity with 10 images and K=4 gives 3
  groups (12 visits) every epoch.
- ``"stream"``: its images form an endless stream of shuffled passes and epoch
  ``e`` takes the groups that start in stream positions ``e*n .. (e+1)*n``
  (``n`` images, give or take a random phase under K), so each image is
  visited once per epoch on average and an epoch has about
  ``len(pids) / (P*K)`` batches, none spent on top-ups.

``repeats`` visits some identities' images more than once per epoch, to give a
small source more weight. The order depends only on ``(seed, epoch)``, so a
resumed run sees the same batches.

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

MODES = ("padded", "stream")


class PKSampler:
    def __init__(
        self,
        pids: Sequence[int],
        p: int = 16,
        k: int = 4,
        seed: int = 0,
        repeats: Mapping[int, int] | None = None,
        mode: str = "padded",
    ) -> None:
        if mode not in MODES:
            raise CrosscamError(f"unknown PK sampler mode {mode!r}; choose one of {', '.join(MODES)}")
        self.by_pid: dict[int, list[int]] = defaultdict(list)
        for index, pid in enumerate(pids):
            self.by_pid[int(pid)].append(index)
        if len(self.by_pid) < p:
            raise CrosscamError(f"PK sampler needs at least P={p} identities, the training set has {len(self.by_pid)}")
        self.p, self.k, self.seed, self.mode = p, k, seed, mode
        self.repeats = dict(repeats or {})

    def _padded_groups(self, pid: int, rng: np.random.Generator) -> list[list[int]]:
        indices, groups = self.by_pid[pid], []
        for _ in range(self.repeats.get(pid, 1)):
            order = list(rng.permutation(indices))
            if len(order) % self.k:
                order += list(rng.choice(indices, self.k - len(order) % self.k, replace=True))
            groups += [order[i : i + self.k] for i in range(0, len(order), self.k)]
        return groups

    def _stream_groups(self, pid: int, epoch: int) -> list[list[int]]:
        indices = self.by_pid[pid]
        n, per_epoch = len(indices), len(indices) * self.repeats.get(pid, 1)
        # A per-identity phase spreads the rounding of n/K over epochs, so every epoch has about as many groups.
        phase = int(np.random.default_rng([self.seed, pid]).integers(self.k))
        first, last = (epoch * per_epoch + phase) // self.k, ((epoch + 1) * per_epoch + phase) // self.k
        passes = {}  # pass number -> that pass's shuffle of the identity's images
        groups = []
        for group in range(first, last):
            members = []
            for position in range(group * self.k, (group + 1) * self.k):
                number = position // n
                if number not in passes:
                    passes[number] = np.random.default_rng([self.seed, pid, number]).permutation(indices)
                members.append(int(passes[number][position % n]))
            groups.append(members)
        return groups

    def batches(self, epoch: int) -> list[list[int]]:
        rng = np.random.default_rng([self.seed, epoch])
        groups = {
            pid: self._padded_groups(pid, rng) if self.mode == "padded" else self._stream_groups(pid, epoch)
            for pid in self.by_pid
        }
        if self.mode == "stream":  # groups are taken from the end: shuffle which of an identity's groups come first
            for pid in groups:
                groups[pid] = [groups[pid][i] for i in rng.permutation(len(groups[pid]))]
        batches = []
        while True:
            available = sorted(pid for pid, g in groups.items() if g)
            if len(available) < self.p:
                return batches
            chosen = rng.choice(available, self.p, replace=False)
            batches.append([int(i) for pid in chosen for i in groups[int(pid)].pop()])

    def __len__(self) -> int:
        return len(self.batches(0))
