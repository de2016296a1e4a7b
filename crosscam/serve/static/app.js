// Seek each appearance clip to the appearance's start once its metadata is known (the clip has a short lead-in).
document.addEventListener("loadedmetadata", (event) => {
  const video = event.target;
  if (video.classList && video.classList.contains("clip") && !video.dataset.seeked) {
    video.dataset.seeked = "1";
    video.currentTime = parseFloat(video.dataset.start || "0");
  }
}, true);

// The investigator's name (optional), kept in this browser, goes with every correction for the audit log.
document.addEventListener("DOMContentLoaded", () => {
  const name = document.getElementById("user-name");
  if (name) {
    name.value = localStorage.getItem("crosscam-user") || "";
    name.addEventListener("change", () => localStorage.setItem("crosscam-user", name.value.trim()));
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target, name = document.getElementById("user-name");
  if (form.method !== "post" || !name || !form.action.includes("/corrections/")) return;
  let field = form.querySelector("input[name=user]");
  if (!field) {
    field = Object.assign(document.createElement("input"), { type: "hidden", name: "user" });
    form.appendChild(field);
  }
  field.value = name.value.trim();
}, true);
