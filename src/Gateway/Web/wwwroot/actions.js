// Buttons with data-post-url POST to the API (same origin: the cookie carries the key), with data-post-body as JSON
// when given, ask first when data-confirm says so, and reload the page to show the new state; a refusal is shown in
// #action-status.
import { problemText } from "./events.js";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-post-url]");
  if (!button) return;
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  const status = document.getElementById("action-status");
  button.disabled = true;
  try {
    const body = button.dataset.postBody;
    const response = await fetch(button.dataset.postUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ?? null,
    });
    if (!response.ok) throw new Error(await problemText(response));
    window.location.reload();
  } catch (error) {
    if (status) status.textContent = `Refused: ${error.message}`;
    button.disabled = false;
  }
});

// Forms with data-post-json-url POST their fields as one JSON object: a name with a dot nests ("scope.uploaded_after"),
// empty fields are left out (the API's defaults apply), numbers and checkboxes keep their types, dates are days in UTC.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-post-json-url]");
  if (!form) return;
  event.preventDefault();
  const status = document.getElementById("action-status");
  const body = {};
  for (const field of form.elements) {
    if (!field.name) continue;
    let value;
    if (field.type === "checkbox") value = field.checked;
    else if (field.value.trim() === "") continue;
    else if (field.type === "number") value = Number(field.value);
    else if (field.type === "date") value = `${field.value}T00:00:00Z`;
    else value = field.value.trim();
    const path = field.name.split(".");
    let target = body;
    for (const part of path.slice(0, -1)) target = target[part] ??= {};
    target[path[path.length - 1]] = value;
  }
  const submit = form.querySelector("[type=submit]");
  if (submit) submit.disabled = true;
  try {
    const response = await fetch(form.dataset.postJsonUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await problemText(response));
    window.location.reload();
  } catch (error) {
    if (status) status.textContent = `Refused: ${error.message}`;
    if (submit) submit.disabled = false;
  }
});
