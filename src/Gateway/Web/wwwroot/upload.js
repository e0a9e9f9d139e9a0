// Upload: the file is sent as the raw body of POST /api/videos (XMLHttpRequest, for its upload progress), then the
// video's events stream moves the analysis bar until the video is finished.
import { followVideo, progressText } from "./events.js";

const form = document.getElementById("upload-form");
const panel = document.getElementById("upload-status");
const title = document.getElementById("upload-title");
const sent = document.getElementById("upload-progress");
const analysed = document.getElementById("analysis-progress");
const count = document.getElementById("analysis-count");
const state = document.getElementById("analysis-state");
const errorText = document.getElementById("upload-error");
const open = document.getElementById("open-video");

function fail(message) {
  errorText.textContent = message;
  errorText.hidden = false;
  form.querySelector("button[type=submit]").disabled = false;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const file = form.file.files[0];
  if (!file) return fail("Choose a video file.");
  const query = new URLSearchParams({ name: file.name });
  if (form.clip_length.value) query.set("clip_length", form.clip_length.value);
  if (form.question.value.trim()) query.set("question", form.question.value.trim());

  form.querySelector("button[type=submit]").disabled = true;
  panel.hidden = false;
  errorText.hidden = true;
  open.hidden = true;
  title.textContent = `Uploading ${file.name}`;
  sent.value = 0;
  analysed.value = 0;

  const request = new XMLHttpRequest();
  request.open("POST", `/api/videos?${query}`);
  request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
  request.upload.addEventListener("progress", (e) => { if (e.lengthComputable) sent.value = (100 * e.loaded) / e.total; });
  request.addEventListener("error", () => fail("The upload was interrupted."));
  request.addEventListener("load", () => {
    let body = {};
    try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status !== 202) return fail(body.detail || body.title || `The gateway answered ${request.status}.`);
    sent.value = 100;
    title.textContent = `Analysing ${file.name}`;
    open.href = `/ui/videos/${body.video_id}`;
    open.dataset.videoId = body.video_id;
    followVideo(body.video_id, {
      onState: (status) => { state.textContent = status.state; state.dataset.state = status.state; },
      onProgress: (progress) => {
        analysed.max = Math.max(1, progress.total);
        analysed.value = progress.done;
        count.textContent = progressText(progress);
      },
      onFinished: (status) => {
        title.textContent = `${file.name}: ${status.state}`;
        open.hidden = false;
        if (status.state === "failed") fail(status.error || "The video could not be analysed.");
        form.querySelector("button[type=submit]").disabled = false;
      },
    });
  });
  request.send(file);
});

