// Follows GET /api/videos/{id}/events (Server-Sent Events; the browser sends the vcp_key cookie). The stream ends when
// the video is finished, and EventSource would then reconnect forever: it is closed on a finished state instead.
export const finishedStates = new Set(["completed", "completed_with_errors", "failed"]);

export function followVideo(videoId, { onState, onProgress, onFinished } = {}) {
  const source = new EventSource(`/api/videos/${encodeURIComponent(videoId)}/events`);
  source.addEventListener("state", (event) => {
    const status = JSON.parse(event.data);
    onState?.(status);
    if (status.progress) onProgress?.(status.progress);
    if (finishedStates.has(status.state)) {
      source.close();
      onFinished?.(status);
    }
  });
  source.addEventListener("progress", (event) => onProgress?.(JSON.parse(event.data)));
  return source;
}

export function progressText(progress) {
  const failed = progress.failed > 0 ? ` (${progress.failed} failed)` : "";
  return `${progress.done} / ${progress.total}${failed}`;
}

// The detail of an RFC 7807 problem body, else the status line.
export async function problemText(response) {
  try {
    const problem = await response.json();
    // A validation problem names its field: say which one, as the form shows several.
    const fields = problem.errors ? Object.keys(problem.errors) : [];
    if (fields.length > 0) return fields.map((field) => `${field}: ${problem.errors[field].join(" ")}`).join("; ");
    return problem.detail || problem.title || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}
