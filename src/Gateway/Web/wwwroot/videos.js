// The videos list follows the unfinished videos on the page live (a few at a time: each is one connection).
import { followVideo, progressText } from "./events.js";

const rows = [...document.querySelectorAll("tr[data-video-id][data-finished='false']")].slice(0, 5);
for (const row of rows) {
  const state = row.querySelector(".state");
  const bar = row.querySelector("progress");
  const count = row.querySelector(".count");
  followVideo(row.dataset.videoId, {
    onState: (status) => { state.textContent = status.state; state.dataset.state = status.state; },
    onProgress: (progress) => { bar.max = Math.max(1, progress.total); bar.value = progress.done; count.textContent = progressText(progress); },
    onFinished: () => { row.dataset.finished = "true"; },
  });
}
