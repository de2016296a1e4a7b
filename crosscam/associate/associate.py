"""Across cameras and time: tracklets -> identities, as one pure function (no I/O, nothing printed).

``crosscam run``, the benchmarks and the tests all call :func:`associate`; the store reads its input and
writes its output around it. The steps:

1. each tracklet's time span moves onto the shared clock (:meth:`crosscam.types.Camera.offset`);
2. for overlapping calibrated cameras, the calibrations are checked against each other and the ones that
   disagree re-estimated from the people seen (:mod:`crosscam.associate.ground_refinement`), then co-visible
   tracklets standing together / apart become must-link-like / cannot-link evidence
   (:mod:`crosscam.associate.ground_plane`);
3. constrained average-linkage clustering at the embedder's calibrated threshold
   (:mod:`crosscam.associate.clustering`), with the investigators' corrections as must-links / cannot-links
   (:mod:`crosscam.associate.constraints`); optionally (both off by default, measured in docs/mtmc.md) on
   embeddings centred per camera (:mod:`crosscam.associate.site_adaptation`) and followed by a one-to-one step
   for people seen at once by two cameras (:func:`crosscam.associate.clustering.complete_co_visible`);
4. each identity's appearances get their similarity to the identity's mean embedding;
5. merges that appearance alone would make but a transit window or an "apart" pair forbade are listed
   (:mod:`crosscam.associate.blocked`), so the run can say so.

Example:
    >>> config = AssociationConfig()
    >>> result = associate(store.tracklets(), {}, store.cameras(), config, threshold=0.55)  # doctest: +SKIP
    >>> [identity.cameras for identity in result.identities]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from crosscam.associate.blocked import BlockedMerge, blocked_merges
from crosscam.associate.clustering import (
    TrackletSpan,
    TransitWindow,
    cluster_tracklets,
    complete_co_visible,
    evidence_pairs,
    first_appearance_order,
)
from crosscam.associate.constraints import LinkConstraints, enforce_must_links, link_evidence
from crosscam.associate.ground_plane import GroundCalibration, GroundTrack, ground_evidence
from crosscam.associate.ground_refinement import CameraRefinement, refine_calibrations
from crosscam.associate.site_adaptation import Adapted, adapt
from crosscam.embed.base import l2_normalize
from crosscam.types import Camera, Identity, TrackedBoxes, Tracklet, identities_from, run_origin


@dataclass(frozen=True)
class AssociationConfig:
    """How tracklets become identities, with the reason for each default.

    Attributes:
        transit: allowed gaps between leaving one camera and appearing in another (none given: any gap).
        grounds: ground-plane calibrations of overlapping cameras (camera name -> calibration), from the cameras
            file; none: appearance and time alone.
        refine_grounds: check the calibrations against each other and re-estimate the ones that disagree (True:
            extrinsics measured by hand are often metres off; two of the six MultiviewX cameras are).
        near: ground distance (calibration unit, metres) below which co-visible tracklets of two cameras are one
            person: about the 1 m error of a box's bottom edge as a foot point seen from afar.
        far: ground distance beyond which co-visible tracklets cannot be one person (4 m: well beyond that error).
        site_adaptation: centre each camera's tracklet embeddings on their own mean and carry the threshold over
            (:mod:`crosscam.associate.site_adaptation`); False: raw embeddings at the calibrated threshold.
        min_camera_tracklets: centre only when every camera has at least this many tracklets (its mean must be
            a mean over many people, not a person).
        whitening: PCA-whiten the centred embeddings too.
        co_visible_margin: after clustering, merge two identities seen at the same time in two cameras that are
            each other's best match down to this much below the threshold
            (:func:`crosscam.associate.clustering.complete_co_visible`); 0: off.
    """

    transit: tuple[TransitWindow, ...] = ()
    grounds: Mapping[str, GroundCalibration] = field(default_factory=dict)
    refine_grounds: bool = True
    near: float = 1.0
    far: float = 4.0
    site_adaptation: bool = False
    min_camera_tracklets: int = 20
    whitening: bool = False
    co_visible_margin: float = 0.0


@dataclass(frozen=True)
class Association:
    """The identities, each input tracklet's global id, and what the ground-plane check found per camera."""

    identities: tuple[Identity, ...]
    labels: np.ndarray  # (n,) global id of each input tracklet, in input order
    refinement: tuple[CameraRefinement, ...] = ()
    grounds: Mapping[str, GroundCalibration] = field(default_factory=dict)  # the calibrations used, after refinement
    blocked: tuple[BlockedMerge, ...] = ()  # look-alike identity pairs a constraint kept apart (indices: input order)


def associate(
    tracklets: Sequence[Tracklet],
    boxes_by_camera: Mapping[str, TrackedBoxes],
    cameras: Sequence[Camera],
    config: AssociationConfig,
    threshold: float,
    links: LinkConstraints | None = None,
) -> Association:
    """Global identities of ``tracklets`` (see the module docstring).

    ``boxes_by_camera`` is needed only for the cameras with a ground calibration in ``config.grounds``;
    ``threshold`` is the embedder's calibrated merge threshold (cosine where P(same person) = 0.5).
    ``links``: investigators' must-link / cannot-link pairs (:mod:`crosscam.associate.constraints`), always kept.
    Global ids are 0..k-1 in order of each identity's first tracklet in ``tracklets``.
    """
    tracklets = list(tracklets)
    grounds = dict(config.grounds)
    if not tracklets:
        return Association((), np.zeros(0, dtype=np.int64), (), grounds)
    origin = run_origin(cameras)
    offsets = {camera.name: camera.offset(origin) for camera in cameras}
    spans = [
        TrackletSpan(t.camera, t.start + offsets.get(t.camera, 0.0), t.end + offsets.get(t.camera, 0.0))
        for t in tracklets
    ]
    embeddings = np.stack([t.embedding for t in tracklets])
    evidence, report = {}, []
    if grounds:
        per_track = {name: boxes_by_camera[name].by_track() for name in grounds if name in boxes_by_camera}
        located = [
            (i, per_track[t.camera][t.track_id])
            for i, t in enumerate(tracklets)
            if t.track_id in per_track.get(t.camera, {})
        ]
        if config.refine_grounds:
            rows = [i for i, _ in located]
            grounds, report = refine_calibrations([b for _, b in located], embeddings[rows], grounds, offsets)
        positions: list[GroundTrack | None] = [None] * len(tracklets)
        for i, boxes in located:
            positions[i] = GroundTrack.from_boxes(boxes, grounds[boxes.camera], offsets.get(boxes.camera, 0.0))
        apart, together = ground_evidence(positions, [t.camera for t in tracklets], config.near, config.far)
        evidence = {"apart": apart, "together": together}
    components = None
    if links:
        components, must, cannot = link_evidence([t.key for t in tracklets], links)
        n = len(tracklets)
        for name, pairs in (("together", must), ("apart", cannot)):
            evidence[name] = np.concatenate([evidence_pairs(evidence.get(name), n, name), pairs])
    adapted = Adapted(embeddings, threshold, False)
    if config.site_adaptation:
        cameras_of = [t.camera for t in tracklets]
        adapted = adapt(embeddings, cameras_of, threshold, config.min_camera_tracklets, config.whitening)
    labels = cluster_tracklets(adapted.embeddings, spans, adapted.threshold, list(config.transit), **evidence)
    if config.co_visible_margin > 0:
        labels = complete_co_visible(
            adapted.embeddings,
            spans,
            labels,
            adapted.threshold,
            config.co_visible_margin,
            list(config.transit),
            evidence.get("apart"),
        )
    if components is not None:
        labels = first_appearance_order(enforce_must_links(labels, components))
    similarity = np.zeros(len(tracklets))
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        centre = l2_normalize(embeddings[members].mean(axis=0, keepdims=True))[0]
        similarity[members] = embeddings[members] @ centre
    members = [(t, int(label), float(s)) for t, label, s in zip(tracklets, labels, similarity, strict=True)]
    blocked = blocked_merges(
        adapted.embeddings, spans, labels, adapted.threshold, list(config.transit), evidence.get("apart")
    )
    return Association(identities_from(members, cameras), labels, tuple(report), grounds, blocked)
