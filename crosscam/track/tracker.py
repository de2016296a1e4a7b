"""Per-camera multi-person tracker: Kalman motion, two-stage (high/low score) association, appearance memory.

Each frame:

1. every track's Kalman state is predicted (after compensating camera motion when enabled);
2. **stage 1** matches confident detections to confirmed tracks (tracked and lost) on a cost that fuses IoU
   with the detection score and, when an embedder is given, the cosine distance to the track's appearance
   memory (an exponential moving average of its embeddings). Lost tracks, whose predicted box drifts away from
   the person during an occlusion, are matched on appearance inside a Kalman (Mahalanobis) gate instead of IoU;
3. **stage 2** gives the remaining tracked tracks a chance on the low-score detections (partly occluded people,
   the ByteTrack idea) on IoU alone;
4. **stage 3** confirms tentative tracks born in the previous frames;
5. left-over confident detections start tentative tracks; lost tracks are dropped after ``max_lost_seconds``.

Example:
    >>> from crosscam.track import Tracker, TrackerConfig
    >>> tracker = Tracker(TrackerConfig(fps=25))
    >>> tracked = tracker.update(image_bgr, detections)  # doctest: +SKIP
    >>> tracked.tracker_id  # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum

import numpy as np

from crosscam.detect.base import Detections
from crosscam.embed.base import Embedder
from crosscam.track.kalman import KalmanBoxFilter
from crosscam.track.matching import assign, iou_matrix

BORDER_MARGIN = 0.01  # a box edge this close to the image edge (fraction of the width) touches it
FORBIDDEN = 1e6  # cost of a pair that may not be matched
CHI2_95_2DOF = 5.9915  # 95 % quantile of chi-square with 2 degrees of freedom: the position gate


@dataclass
class TrackerConfig:
    """Every tracker parameter, with the reason for its default.

    Attributes:
        high_threshold: detections scoring at least this take part in stage 1 (0.6: ByteTrack's upper value; chosen
            over 0.5 in every leave-one-sequence-out fold of benchmarks/tracking_suite.py).
        low_threshold: detections between this and ``high_threshold`` only extend existing tracks (stage 2).
        new_track_threshold: a detection starts a (tentative) track only above this (0.6: with ``confirm_score``
            0.8 chosen on all five sequences and by four of the five leave-one-out folds, over 0.8; before
            ``confirm_score`` a birth at 0.6 let far, small people that KITTI-17's ground truth leaves unlabelled
            start tracks, a 20 IDF1 point swing on that sequence).
        stage1_max_cost: largest fused cost accepted in stage 1 (1 - IoU x score; 0.8 as in ByteTrack).
        stage2_max_cost: largest 1 - IoU accepted for low-score detections (0.5 as in ByteTrack).
        tentative_max_cost: largest cost when confirming a tentative track (0.7 as in ByteTrack).
        confirm_hits: matches that confirm a tentative track (3 as in SORT: short flickers never get an id).
        confirm_score: a tentative track is confirmed only once one of its detections scored at least this: the
            evidence is the track's best detection, not its first (0.8; false and unlabelled tracks peak below
            0.77 on the five benchmark sequences, true ones above 0.8). Chosen on all five sequences over 0.75;
            the KITTI-17 and TUD-Campus folds took 0.75, which costs KITTI-17 14 IDF1 points (79.5 against 93.5).
        appearance_veto: a detection whose cosine distance to a track's appearance memory exceeds this never
            continues that track, however well the boxes overlap (None: off). It stops the commonest swap at close
            range: a large person walks out and the one they hid steps out inside the old box (MOT16-09 70.3 ->
            75.9 IDF1 with the old defaults). 0.45 for OSNet x0.25: leave-one-out preferred 0.35 in every fold
            (in-sample mean IDF1 88.8 against 88.4; leave-one-out 88.8 against 85.5, where the KITTI-17 fold then
            picks ``confirm_score`` 0.75), but 0.35 split a person in the EPFL lab clip (Double1, whose box is
            cut by the top of the frame: distance 0.40 to its own memory, IoU 0.8), so the looser value ships.
        exit_lost_seconds: a track lost while its box touched the left or right image border and moved towards
            it has walked out of the picture: it is kept this long only, instead of ``max_lost_seconds``, so the
            next person to come in there does not inherit it (0.5 s, so a one-frame miss at the border does not
            end a track; 0 / 0.5 / 1 s score the same). Needs the frame size (taken from the images, or
            ``Tracker(frame_size=...)``); without it no track is taken to have left.
        max_lost_seconds: how long an unmatched track is kept for re-association (3 s, chosen by leave-one-out
            over 2 s in every fold; 3 s lost 5 IDF1 on PETS09-S2L1 before tracks leaving the picture were ended;
            in seconds, so 30 frames at KITTI's 10 fps and 90 at MOT16's 30).
        fps: frame rate of the camera; converts seconds to frames.
        appearance_threshold: largest cosine distance (1 - cos) at which appearance may decide a match (0.25 for
            OSNet x0.25, chosen by leave-one-sequence-out in every fold). None calibrates it per camera without
            labels: two people seen in the same frame are different people, so the ``auto_threshold_quantile``
            quantile of the distances between the uncrowded detections of each frame bounds how close two
            *different* people look. Not the default: it settles at 0.24-0.42 depending on the sequence (0.375 on
            MOT16-09, where it lets lost tracks take the wrong person) and lost to a fixed value in every fold.
        auto_threshold_quantile: see ``appearance_threshold``.
        auto_threshold_fallback: threshold used until ``auto_threshold_min_pairs`` distances have been seen.
        appearance_weight: weight of the appearance distance in the fused cost of tracked tracks.
        ema_momentum: appearance memory update ``m = momentum * m + (1 - momentum) * e`` (0.9 as in BoT-SORT).
        min_embed_score: only detections at least this confident update the appearance memory.
        crowded_iou: a detection overlapping another one by more than this IoU is "crowded": its crop shows
            parts of two people, so it does not update appearance memories (it still helps decide who is who).
        appearance_interval_s: refresh the appearance memories this often (0: every frame); crowded detections and
            possible returns of lost tracks are embedded in any case. 0.5 s halves the crops embedded on PETS.
        gate_chi2: Mahalanobis gate (squared) on the box centre for matching lost tracks on appearance.
        reach_heights_per_second: a lost track may also re-appear within ``(0.5 + this x seconds lost)`` of its
            height from where it was last seen (a brisk walk covers about one body height per second), so people
            who stop or turn while hidden are still found.
        nsa_kalman: scale the Kalman measurement noise by (1 - score).
        output_detection_box: report the matched detection's box (True) or the Kalman-filtered box (False).
        camera_motion: compensate global camera motion with sparse optical flow (off: CCTV cameras are fixed).
    """

    high_threshold: float = 0.6
    low_threshold: float = 0.1
    new_track_threshold: float = 0.6
    stage1_max_cost: float = 0.8
    stage2_max_cost: float = 0.5
    tentative_max_cost: float = 0.7
    confirm_hits: int = 3
    confirm_score: float = 0.8
    appearance_veto: float | None = 0.45
    exit_lost_seconds: float = 0.5
    max_lost_seconds: float = 3.0
    fps: float = 30.0
    appearance_threshold: float | None = 0.25
    auto_threshold_quantile: float = 0.01
    auto_threshold_fallback: float = 0.3
    auto_threshold_min_pairs: int = 200
    appearance_weight: float = 0.5
    ema_momentum: float = 0.9
    min_embed_score: float = 0.6
    gate_chi2: float = CHI2_95_2DOF
    reach_heights_per_second: float = 1.0
    crowded_iou: float = 0.0
    appearance_interval_s: float = 0.0
    nsa_kalman: bool = True
    output_detection_box: bool = False
    camera_motion: bool = False

    @property
    def max_lost_frames(self) -> int:
        return max(1, round(self.max_lost_seconds * self.fps))


class TrackState(Enum):
    TENTATIVE = 0
    TRACKED = 1
    LOST = 2


def xyxy_to_xywh(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box[2] - box[0], box[3] - box[1]])


def xywh_to_xyxy(state: np.ndarray) -> np.ndarray:
    x, y, w, h = state[:4]
    return np.array([x - w / 2, y - h / 2, x + w / 2, y + h / 2])


class Track:
    def __init__(self, kalman: KalmanBoxFilter, box: np.ndarray, score: float, frame: int):
        self.mean, self.covariance = kalman.initiate(xyxy_to_xywh(box))
        self.state = TrackState.TENTATIVE
        self.track_id = -1
        self.hits = 1
        self.last_frame = frame
        self.box, self.score = box, score  # the last matched detection
        self.exited = False  # lost at an image border, walking out of the picture
        self.best_score = score  # the most confident detection so far: evidence that this is a person
        self.feature: np.ndarray | None = None  # appearance memory (unit norm)

    @property
    def state_box(self) -> np.ndarray:
        """xyxy box of the Kalman state: the prediction before this frame's update, the filtered box after it."""
        return xywh_to_xyxy(self.mean)


class Tracker:
    """Online tracker for one camera; ``update`` once per frame, in order.

    ``embedder`` (any :class:`~crosscam.embed.base.Embedder`) adds the appearance cue; without it the tracker is
    motion-only.
    """

    def __init__(
        self,
        config: TrackerConfig | None = None,
        embedder: Embedder | None = None,
        frame_size: tuple[int, int] | None = None,
    ):
        self.config = config or TrackerConfig()
        self.embedder = embedder
        self.frame_size = frame_size  # (height, width); taken from the images when they are given
        self.kalman = KalmanBoxFilter()
        self.tracks: list[Track] = []
        self.frame = -1
        self.next_id = 1
        self.embedded_count = 0  # detections embedded so far (the appearance cue's cost)
        self.different_people: deque[float] = deque(maxlen=5000)  # distances between people of the same frame
        self.camera_motion = None
        if self.config.camera_motion:
            from crosscam.track.camera_motion import SparseFlowMotion

            self.camera_motion = SparseFlowMotion()

    def _needs_embedding(self, detections: Detections, crowded: np.ndarray) -> np.ndarray:
        """Which detections to embed: confident ones where appearance can change a decision.

        That is: crowded detections (who is who?); every detection when the memories are due for their refresh
        (every ``appearance_interval_s``); a detection that continues no tracked track but lies within reach of a
        lost one (that person coming back).
        """
        config = self.config
        needed = detections.confidence >= config.high_threshold
        wanted = crowded.copy()
        if self.frame % max(1, round(config.appearance_interval_s * config.fps)) == 0:
            wanted[:] = True
        lost = [t for t in self.tracks if t.state is TrackState.LOST and t.feature is not None]
        if lost:
            boxes = detections.xyxy.astype(np.float64)
            tracked = [t.state_box for t in self.tracks if t.state is TrackState.TRACKED]
            continuing = iou_matrix(boxes, np.array(tracked).reshape(-1, 4)).max(axis=1, initial=0) >= 0.5
            centres = (boxes[:, :2] + boxes[:, 2:]) / 2
            reachable = np.any([self._reachable(t, centres) for t in lost], axis=0)
            wanted |= reachable & ~continuing
        return needed & wanted

    def _features(self, image, detections: Detections, features: np.ndarray | None, crowded: np.ndarray):
        """Embeddings of the detections that need one (None for the others), or None without an appearance cue.

        ``features`` given by the caller (NaN rows: not embedded) go through the same selection.
        """
        if features is None and (self.embedder is None or image is None):
            return None
        needed = self._needs_embedding(detections, crowded)
        self.embedded_count += int(needed.sum())
        if features is not None:
            rows = np.asarray(features, dtype=np.float32)
            return [row if needed[i] and not np.isnan(row).any() else None for i, row in enumerate(rows)]
        height, width = image.shape[:2]
        rows = np.flatnonzero(needed)
        out = [None] * len(detections)
        crops = []
        for row in rows:
            x0, y0, x1, y1 = np.round(detections.xyxy[row]).astype(int)
            crops.append(image[max(y0, 0) : min(y1, height), max(x0, 0) : min(x1, width)])
        keep = [i for i, crop in enumerate(crops) if crop.size]
        if keep:
            embedded = self.embedder.embed([crops[i] for i in keep])
            for i, vector in zip(keep, embedded, strict=True):
                out[rows[i]] = vector
        return out

    @property
    def appearance_threshold(self) -> float:
        config = self.config
        if config.appearance_threshold is not None:
            return config.appearance_threshold
        if len(self.different_people) < config.auto_threshold_min_pairs:
            return config.auto_threshold_fallback
        return float(np.quantile(self.different_people, config.auto_threshold_quantile))

    def _observe_different_people(self, feats, crowded: np.ndarray) -> None:
        rows = [i for i, f in enumerate(feats) if f is not None and not crowded[i]]
        if len(rows) > 1:
            matrix = np.stack([feats[i] for i in rows])
            distances = 1.0 - matrix @ matrix.T
            self.different_people.extend(distances[np.triu_indices(len(rows), k=1)].tolist())

    def _stage1_cost(self, tracks: list[Track], boxes, scores, feats) -> np.ndarray:
        config = self.config
        iou = iou_matrix(np.array([t.state_box for t in tracks]).reshape(-1, 4), boxes)
        cost = 1.0 - iou * scores[None, :]
        if feats is None:
            return cost
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        threshold = self.appearance_threshold
        for i, track in enumerate(tracks):
            if track.feature is None:
                continue
            distance = np.array([1.0 - float(track.feature @ f) if f is not None else 2.0 for f in feats])
            similar = distance <= threshold
            if config.appearance_veto is not None:
                # a clearly different person never continues this track, however well the boxes overlap (a
                # person stepping out from behind the one who is leaving); 2.0 marks "not embedded"
                cost[i] = np.where((distance > config.appearance_veto) & (distance < 2.0), FORBIDDEN, cost[i])
            if track.state is TrackState.LOST:
                inside = self._reachable(track, centres)
                # drifted prediction: appearance inside the motion gate decides; IoU still counts when it is there
                cost[i] = np.where(similar & inside, np.minimum(cost[i], distance), cost[i])
            else:
                fused = (1 - config.appearance_weight) * cost[i] + config.appearance_weight * distance
                cost[i] = np.where((iou[i] > 0) & similar, np.minimum(cost[i], fused), cost[i])
        return cost

    def _reachable(self, track: Track, centres: np.ndarray) -> np.ndarray:
        """Which box centres a lost track could have moved to: Kalman gate or walking-reach gate."""
        config = self.config
        in_gate = self.kalman.position_distance(track.mean, track.covariance, centres) <= config.gate_chi2
        last_centre = (track.box[:2] + track.box[2:]) / 2
        seconds = (self.frame - track.last_frame) / config.fps
        reach = (track.box[3] - track.box[1]) * (0.5 + config.reach_heights_per_second * seconds)
        return in_gate | (np.linalg.norm(centres - last_centre, axis=1) <= reach)

    def _match(self, track: Track, box, score, feature) -> None:
        config = self.config
        confidence = score if config.nsa_kalman else None
        track.mean, track.covariance = self.kalman.update(track.mean, track.covariance, xyxy_to_xywh(box), confidence)
        track.box, track.score, track.last_frame = box, score, self.frame
        track.hits += 1
        track.best_score = max(track.best_score, score)
        if feature is not None and score >= config.min_embed_score:
            if track.feature is None:
                track.feature = feature
            else:
                memory = config.ema_momentum * track.feature + (1 - config.ema_momentum) * feature
                track.feature = memory / np.linalg.norm(memory)
        if track.state is TrackState.TENTATIVE and (
            track.hits < config.confirm_hits or track.best_score < config.confirm_score
        ):
            return
        if track.track_id < 0:
            track.track_id, self.next_id = self.next_id, self.next_id + 1
        track.state = TrackState.TRACKED

    def update(
        self, image_bgr: np.ndarray | None, detections: Detections, features: np.ndarray | None = None
    ) -> Detections:
        """Advance one frame; returns the boxes of confirmed tracks matched in this frame, with ``tracker_id``.

        ``features`` (one unit-norm row per detection) replaces the embedder when the caller already has them.
        """
        config = self.config
        self.frame += 1
        if image_bgr is not None:
            self.frame_size = image_bgr.shape[:2]
        self._predict(image_bgr)
        boxes, scores = detections.xyxy.astype(np.float64), detections.confidence.astype(np.float64)
        overlap = iou_matrix(boxes, boxes)
        np.fill_diagonal(overlap, 0)
        crowded = overlap.max(axis=1, initial=0) > config.crowded_iou
        feats = self._features(image_bgr, detections, features, crowded)
        if feats is not None and config.appearance_threshold is None:
            self._observe_different_people(feats, crowded)
        matched, unmatched = self._associate(boxes, scores, feats)
        # crowded crops show two people: they never enter an appearance memory
        memory_feats = [None if feats is None or crowded[row] else feats[row] for row in range(len(boxes))]
        for row, track in matched.items():
            self._match(track, boxes[row], float(scores[row]), memory_feats[row])
        matched_tracks = {id(t) for t in matched.values()}
        survivors = []
        for track in self.tracks:
            if id(track) not in matched_tracks:
                if track.state is TrackState.TENTATIVE:
                    continue
                if track.state is TrackState.TRACKED:
                    track.exited = self._leaving(track)
                track.state = TrackState.LOST
                keep = self.exit_lost_frames if track.exited else config.max_lost_frames
                if self.frame - track.last_frame > keep:
                    continue
            survivors.append(track)
        self.tracks = survivors
        born = []
        for row in unmatched:
            if scores[row] >= config.new_track_threshold:
                track = Track(self.kalman, boxes[row], float(scores[row]), self.frame)
                self._start(track, memory_feats[row])
                self.tracks.append(track)
                born.append(track)
        return self._output([*matched.values(), *born])

    @property
    def exit_lost_frames(self) -> int:
        return min(round(self.config.exit_lost_seconds * self.config.fps), self.config.max_lost_frames)

    def _leaving(self, track: Track) -> bool:
        """Whether a track that was just lost was last seen at a left or right image border, moving out of it."""
        if self.frame_size is None:
            return False
        width = self.frame_size[1]
        margin = BORDER_MARGIN * width
        velocity = track.mean[4]
        return bool((track.box[0] <= margin and velocity < 0) or (track.box[2] >= width - margin and velocity > 0))

    def _predict(self, image_bgr: np.ndarray | None) -> None:
        """Move every track's Kalman state to the current frame (after compensating camera motion)."""
        if self.camera_motion is not None and image_bgr is not None:
            warp = self.camera_motion.estimate(image_bgr)
            for track in self.tracks:
                track.mean, track.covariance = self.camera_motion.apply(warp, track.mean, track.covariance)
        for track in self.tracks:
            if track.state is not TrackState.TRACKED:
                track.mean[6:] = 0  # the size of a person out of sight does not keep changing
            track.mean, track.covariance = self.kalman.predict(track.mean, track.covariance)

    def _associate(self, boxes: np.ndarray, scores: np.ndarray, feats) -> tuple[dict[int, Track], np.ndarray]:
        """The three association stages; returns {detection row: track} and the confident rows left over."""
        config = self.config
        high = np.flatnonzero(scores >= config.high_threshold)
        low = np.flatnonzero((scores >= config.low_threshold) & (scores < config.high_threshold))
        matched: dict[int, Track] = {}
        # stage 1: confident detections vs confirmed tracks (tracked and lost)
        confirmed = [t for t in self.tracks if t.state is not TrackState.TENTATIVE]
        high_feats = None if feats is None else [feats[r] for r in high]
        cost = self._stage1_cost(confirmed, boxes[high], scores[high], high_feats)
        pairs, free_tracks, free_high = assign(cost, config.stage1_max_cost)
        for ti, di in pairs:
            matched[high[di]] = confirmed[ti]
        # stage 2: low-score detections extend tracks that were tracked until now
        remaining = [confirmed[i] for i in free_tracks if confirmed[i].state is TrackState.TRACKED]
        iou = iou_matrix(np.array([t.state_box for t in remaining]).reshape(-1, 4), boxes[low])
        pairs, _, _ = assign(1.0 - iou, config.stage2_max_cost)
        for ti, di in pairs:
            matched[low[di]] = remaining[ti]
        # stage 3: tentative tracks vs the confident detections left
        tentative = [t for t in self.tracks if t.state is TrackState.TENTATIVE]
        free_high = high[free_high]
        iou = iou_matrix(np.array([t.state_box for t in tentative]).reshape(-1, 4), boxes[free_high])
        pairs, _, unmatched = assign(1.0 - iou * scores[free_high][None, :], config.tentative_max_cost)
        for ti, di in pairs:
            matched[free_high[di]] = tentative[ti]
        return matched, free_high[unmatched]

    def _start(self, track: Track, feature) -> None:
        if feature is not None and track.score >= self.config.min_embed_score:
            track.feature = feature
        config = self.config
        if track.score < config.confirm_score:
            return
        if self.frame == 0 or config.confirm_hits <= 1:  # no history to confirm against in the first frame
            track.track_id, self.next_id = self.next_id, self.next_id + 1
            track.state = TrackState.TRACKED

    def _output(self, updated: list[Track]) -> Detections:
        shown = [t for t in updated if t.state is TrackState.TRACKED]
        if not shown:
            return Detections(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64))
        use_box = self.config.output_detection_box
        xyxy = np.array([t.box if use_box else t.state_box for t in shown])
        return Detections(xyxy, [t.score for t in shown], [t.track_id for t in shown])
