// Seek each appearance clip to the appearance's start once its metadata is known (the clip has a short lead-in).
document.addEventListener("loadedmetadata", (event) => {
  const video = event.target;
  if (video.classList && video.classList.contains("clip") && !video.dataset.seeked) {
    video.dataset.seeked = "1";
    video.currentTime = parseFloat(video.dataset.start || "0");
  }
}, true);
