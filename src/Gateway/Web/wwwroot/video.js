// The video page: a clip of the timeline seeks the player to its start; #clip-N (a search hit, a flag) opens there;
// an unfinished video reloads the page when it finishes, so its captions appear; the question form asks the API.
import { followVideo, progressText, problemText } from "./events.js";

const page = document.getElementById("video-page");
const player = document.getElementById("player");
const videoId = page.dataset.videoId;

function select(clip, play) {
  document.querySelectorAll(".clip[aria-current]").forEach((c) => c.removeAttribute("aria-current"));
  clip.setAttribute("aria-current", "true");
  const start = Number(clip.dataset.start);
  const seek = () => { player.currentTime = start; if (play) player.play().catch(() => {}); };
  if (player.readyState >= 1) seek(); else player.addEventListener("loadedmetadata", seek, { once: true });
  player.dataset.seekedTo = String(start);
}

document.querySelectorAll(".clip .clip-seek").forEach((button) =>
  button.addEventListener("click", () => select(button.closest(".clip"), true)));

const target = /^#clip-\d+$/.test(window.location.hash) ? document.getElementById(window.location.hash.slice(1)) : null;
if (target?.classList.contains("clip")) {
  target.scrollIntoView({ block: "center" });
  select(target, false);
}

// The clip being played is marked as the player moves.
player.addEventListener("timeupdate", () => {
  for (const clip of document.querySelectorAll(".clip")) {
    const playing = player.currentTime >= Number(clip.dataset.start) && player.currentTime < Number(clip.dataset.end);
    clip.classList.toggle("playing", playing);
  }
});

if (page.dataset.finished === "false") {
  const state = document.getElementById("video-state");
  const bar = document.getElementById("video-progress");
  const count = document.getElementById("video-count");
  followVideo(videoId, {
    onState: (status) => { state.textContent = status.state; state.dataset.state = status.state; },
    onProgress: (progress) => { bar.max = Math.max(1, progress.total); bar.value = progress.done; count.textContent = `${progressText(progress)} clips analysed`; },
    onFinished: () => window.location.reload(),
  });
}

const form = document.getElementById("ask-form");
const status = document.getElementById("ask-status");
const answers = document.getElementById("ask-answers");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = form.question.value.trim();
  if (!question) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  status.textContent = "Asking…";
  answers.replaceChildren();
  try {
    const response = await fetch(`/api/videos/${encodeURIComponent(videoId)}/questions`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question }),
    });
    if (!response.ok) throw new Error(await problemText(response));
    const result = await response.json();
    status.textContent = `“${result.question}” (model ${result.model_version}):`;
    for (const item of result.answers) {
      const li = document.createElement("li");
      li.className = "answer";
      const link = document.createElement("a");
      link.href = `#clip-${item.clip_index}`;
      link.textContent = `clip ${item.clip_index}`;
      link.addEventListener("click", () => { const clip = document.getElementById(`clip-${item.clip_index}`); if (clip) select(clip, true); });
      const text = document.createElement("span");
      text.className = item.error ? "error" : "answer-text";
      text.textContent = item.error ? ` failed: ${item.error}` : ` ${item.answer}`;
      li.append(link, text);
      answers.append(li);
    }
  } catch (error) {
    status.textContent = `Refused: ${error.message}`;
  } finally {
    button.disabled = false;
  }
});
