"""Results in standard formats for other tools: multi-camera tracks with global ids (:mod:`crosscam.export.mtmc`)."""
