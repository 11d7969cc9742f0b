// What every page shares: the strings, the API call, the status line and field errors, the config.

export const $ = (id) => document.getElementById(id);
const JSON_HEADERS = { "Content-Type": "application/json" };
// The page's language and its strings: the server rendered both (chalicelib/i18n).
export const LOCALE = document.documentElement.lang || "en";
const STRINGS = JSON.parse(($("strings") && $("strings").textContent) || "{}");
export const t = (key, values = {}) => (STRINGS[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
export const dateText = (iso) => new Date(iso).toLocaleString(LOCALE);
// "2 minutes ago", "gestern": the page's language; the exact time in the element's title.
const RELATIVE = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
export function ago(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const [unit, size] = RELATIVE.find(([, s]) => Math.abs(seconds) >= s) || ["second", 1];
  const words = new Intl.RelativeTimeFormat(LOCALE, { numeric: "auto" });
  return unit === "second" ? words.format(0, "second") : words.format(Math.round(seconds / size), unit);
}
export let config = { resend_cooldown: 60, dev_mailbox: false };
export let configLoaded = Promise.resolve();

export async function api(path, body, method = "POST") {
  const init = body === undefined
    ? { credentials: "same-origin" }
    : { method, credentials: "same-origin", headers: JSON_HEADERS, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  return { status: response.status, data, retryAfter: Number(response.headers.get("Retry-After") || 0) };
}

export function say(message) { $("error").textContent = ""; $("status").textContent = message || ""; }
export function fail(message, focusId) {
  $("status").textContent = "";
  $("error").textContent = message;
  if (focusId) $(focusId).focus();
}

// A message about what was typed sits beside its field: aria-invalid on the field, which names
// the message in aria-describedby; typing clears it.
export function fieldError(id, message) {
  const field = $(id);
  let note = $(`${id}-error`);
  if (!note) {
    note = document.createElement("p");
    note.id = `${id}-error`;
    note.className = "error field-error";
    note.setAttribute("role", "alert");
    field.insertAdjacentElement("afterend", note);
    field.addEventListener("input", () => clearFieldError(id));
  }
  $("status").textContent = "";
  $("error").textContent = "";
  note.textContent = message;
  field.setAttribute("aria-invalid", "true");
  const described = new Set((field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  field.setAttribute("aria-describedby", [...described.add(note.id)].join(" "));
  field.focus();
}

function clearFieldError(id) {
  if ($(`${id}-error`)) $(`${id}-error`).textContent = "";
  $(id).removeAttribute("aria-invalid");
}

export function show(state, focusId) {
  for (const section of document.querySelectorAll("[data-state]")) section.hidden = section.id !== state;
  for (const note of document.querySelectorAll(".field-error")) clearFieldError(note.id.replace(/-error$/, ""));
  if (focusId) $(focusId).focus();
}

export function errorText(reply, fallback) {
  if (reply.status === 429) return t("js.too_many", { seconds: reply.retryAfter || 60 });
  const error = (reply.data && reply.data.error) || {};
  return STRINGS[`error.${error.code}`] || error.message || fallback;
}


async function loadConfig() {
  const reply = await api("/auth/config");
  if (reply.status === 200) config = reply.data;
  $("dev-mailbox").hidden = !config.dev_mailbox;
}

// Started once by each page, before its handlers may await it (configLoaded).
export function startLoadingConfig() {
  configLoaded = loadConfig();
}
