// Sesame's sign-in pages. Tokens never touch this script: the session lives in
// HttpOnly cookies, so all it ever sees is JSON without secrets.
const $ = (id) => document.getElementById(id);
const JSON_HEADERS = { "Content-Type": "application/json" };
// The page's language and its strings: the server rendered both (chalicelib/i18n).
const LOCALE = document.documentElement.lang || "en";
const STRINGS = JSON.parse(($("strings") && $("strings").textContent) || "{}");
const t = (key, values = {}) => (STRINGS[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
const dateText = (iso) => new Date(iso).toLocaleString(LOCALE);
// "2 minutes ago", "gestern": the page's language; the exact time in the element's title.
const RELATIVE = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
function ago(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const [unit, size] = RELATIVE.find(([, s]) => Math.abs(seconds) >= s) || ["second", 1];
  const words = new Intl.RelativeTimeFormat(LOCALE, { numeric: "auto" });
  return unit === "second" ? words.format(0, "second") : words.format(Math.round(seconds / size), unit);
}
let config = { resend_cooldown: 60, dev_mailbox: false };
let configLoaded = Promise.resolve();

async function api(path, body, method = "POST") {
  const init = body === undefined
    ? { credentials: "same-origin" }
    : { method, credentials: "same-origin", headers: JSON_HEADERS, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  return { status: response.status, data, retryAfter: Number(response.headers.get("Retry-After") || 0) };
}

function say(message) { $("error").textContent = ""; $("status").textContent = message || ""; }
function fail(message, focusId) {
  $("status").textContent = "";
  $("error").textContent = message;
  if (focusId) $(focusId).focus();
}

// A message about what was typed sits beside its field: aria-invalid on the field, which names
// the message in aria-describedby; typing clears it.
function fieldError(id, message) {
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

function show(state, focusId) {
  for (const section of document.querySelectorAll("[data-state]")) section.hidden = section.id !== state;
  for (const note of document.querySelectorAll(".field-error")) clearFieldError(note.id.replace(/-error$/, ""));
  if (focusId) $(focusId).focus();
}

function errorText(reply, fallback) {
  if (reply.status === 429) return t("js.too_many", { seconds: reply.retryAfter || 60 });
  const error = (reply.data && reply.data.error) || {};
  return STRINGS[`error.${error.code}`] || error.message || fallback;
}

// ---- sign-in page ----------------------------------------------------------

let cooldownTimer = null;
const RESEND_LABEL = $("resend") ? $("resend").textContent : "";
function startCooldown(seconds) {
  const button = $("resend");
  let left = seconds;
  clearInterval(cooldownTimer);
  const tick = () => {
    button.disabled = left > 0;
    const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    button.textContent = left > 0 ? t("js.resend_in", { time: clock }) : RESEND_LABEL;
    left -= 1;
    if (left < -1) clearInterval(cooldownTimer);
  };
  tick();
  cooldownTimer = setInterval(tick, 1000);
}

function redirectTarget() {
  const wanted = new URLSearchParams(location.search).get("redirect");
  return wanted && wanted.startsWith("/") && !wanted.startsWith("//") && !wanted.includes("\\") ? wanted : undefined;
}

// "sent", "throttled" (asked for a moment ago: that email's code is the one to use) or false.
async function requestEmail(email) {
  const reply = await api("/auth/sign-in", { email, redirect: redirectTarget(), locale: LOCALE });
  if (reply.status === 429) {
    // Not an error to the person: the code asked for a moment ago still works here (its flow
    // cookie is this browser's), and the countdown says when another may be asked for.
    $("sent-to").textContent = email;
    startCooldown(reply.retryAfter || 60);
    return "throttled";
  }
  if (reply.status !== 202) {
    fail(errorText(reply, t("js.send_failed")), "email");
    return false;
  }
  $("sent-to").textContent = email;
  // The server's cooldown, even when the click beat /auth/config.
  configLoaded.then(() => startCooldown(config.resend_cooldown));
  return "sent";
}

async function onEmail(event) {
  event.preventDefault();
  const email = $("email").value.trim();
  if (!$("email").checkValidity() || !email) return fieldError("email", t("js.enter_email"));
  $("email-submit").disabled = true;
  say(t("js.sending"));
  try {
    const sent = await requestEmail(email);
    if (sent) {
      show("state-code", "code");
      say(sent === "throttled" ? t("js.asked_recently") : "");  // the heading and lead say where it went
    }
  } finally {
    $("email-submit").disabled = false;
  }
}

async function onCode(event) {
  event.preventDefault();
  const code = $("code").value.replace(/\D/g, "");
  if (code.length !== 6) return fieldError("code", t("js.enter_code"));
  $("code-submit").disabled = true;
  say(t("js.checking"));
  const reply = await api("/auth/sign-in/code", { code });
  $("code-submit").disabled = false;
  if (reply.status === 200) return location.assign(reply.data.redirect || "/");
  fieldError("code", errorText(reply, t("js.code_failed")));
  $("code").select();  // what was typed stays, selected: a retype replaces it
}

function onPaste(event) {
  const digits = (event.clipboardData || window.clipboardData).getData("text").replace(/\D/g, "").slice(0, 6);
  event.preventDefault();
  $("code").value = digits;
  if (digits.length === 6) $("code-form").requestSubmit();
}

async function onResend() {
  $("resend").disabled = true;
  const sent = await requestEmail($("sent-to").textContent);
  if (sent) say(t(sent === "throttled" ? "js.asked_recently" : "js.resent"));
}

// ---- signed-in state -------------------------------------------------------

let refreshTimer = null;
function scheduleRefresh(expiresAt) {
  clearTimeout(refreshTimer);
  const wait = Math.max(new Date(expiresAt).getTime() - Date.now() - 60_000, 5_000);
  refreshTimer = setTimeout(async () => {
    const reply = await api("/auth/refresh", {});
    if (reply.status === 200) return showSession(await api("/auth/session"));
    show("state-email", "email");
    fail(t("js.session_ended"));
  }, wait);
}

function showSession(reply) {
  if (reply.status !== 200) return false;
  $("account-email").textContent = reply.data.user.email || t("js.your_account");
  show("state-signed-in");
  scheduleRefresh(reply.data.expires_at);
  // Busy until the lists are in: they move the buttons below them as they arrive.
  $("state-signed-in").setAttribute("aria-busy", "true");
  listSessions().finally(() => $("state-signed-in").setAttribute("aria-busy", "false"));
  return true;
}

const METHODS = { code: "js.method_code", link: "js.method_link", passkey: "js.method_passkey" };

function sessionItem(session) {
  const item = document.createElement("li");
  item.dataset.session = session.id;
  const text = document.createElement("span");
  const method = METHODS[session.method] ? t(METHODS[session.method]) : (session.app || session.method);
  text.textContent = `${session.device} · ${method}`;
  const when = document.createElement("span");
  when.className = "when";
  when.textContent = t("js.session_when", { created: ago(session.created_at), seen: ago(session.last_seen_at), ip: session.ip });
  when.title = `${dateText(session.created_at)} · ${dateText(session.last_seen_at)}`;
  text.append(when);
  item.append(text);
  if (session.current) {
    const mark = document.createElement("span");
    mark.className = "this";
    mark.textContent = t("js.this_device");
    item.append(mark);
  } else {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = t("js.sign_out");
    button.setAttribute("aria-label", t("js.sign_out_device", { device: session.device }));
    button.addEventListener("click", () => {
      if (window.confirm(t("js.confirm_sign_out_device", { device: session.device }))) endSession(session.id);
    });
    item.append(button);
  }
  return item;
}

async function listSessions() {
  const reply = await api("/auth/sessions");
  if (reply.status !== 200) return;
  $("sessions").replaceChildren(...reply.data.sessions.map(sessionItem));
  $("sign-out-others").hidden = reply.data.sessions.length < 2;
  const current = reply.data.sessions.find((s) => s.current);
  await listPasskeys(current && current.method);
}

// ---- passkeys -----------------------------------------------------------------

const OFFER_KEY = "sesame-passkey-offer"; // a UI preference, never a secret
const passkeysSupported = () => !!(window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON);

function passkeyItem(passkey) {
  const item = document.createElement("li");
  const text = document.createElement("span");
  text.textContent = passkey.name;
  const when = document.createElement("span");
  when.className = "when";
  const used = passkey.last_used_at ? t("js.passkey_last_used", { when: ago(passkey.last_used_at) }) : t("js.passkey_unused");
  when.textContent = t("js.passkey_when", { created: ago(passkey.created_at), used });
  when.title = dateText(passkey.created_at);
  text.append(when);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.textContent = t("js.remove");
  button.setAttribute("aria-label", t("js.remove_passkey", { name: passkey.name }));
  button.addEventListener("click", async () => {
    if (!window.confirm(t("js.confirm_remove_passkey", { name: passkey.name }))) return;
    const reply = await sensitive(() => api(`/auth/passkeys/${encodeURIComponent(passkey.id)}`, {}, "DELETE"));
    if (!reply) return;
    say(reply.status === 204 ? t("js.passkey_removed") : errorText(reply, t("js.passkey_remove_failed")));
    listSessions();
  });
  item.append(text, button);
  return item;
}

async function listPasskeys(method) {
  const reply = await api("/auth/passkeys");
  if (reply.status !== 200) return;
  const list = reply.data.passkeys;
  $("passkeys").replaceChildren(...list.map(passkeyItem));
  $("no-passkeys").hidden = list.length > 0;
  const offered = localStorage.getItem(OFFER_KEY) === "dismissed";
  $("passkey-offer").hidden = !passkeysSupported() || method === "passkey" || offered;
}

async function addPasskey() {
  $("add-passkey").disabled = true;
  try {
    const options = await sensitive(() => api("/auth/passkeys/registration-options", {}));
    if (!options) return;
    if (options.status !== 200) return fail(errorText(options, t("js.passkey_start_failed")));
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.data.publicKey) });
    const reply = await api("/auth/passkeys", { credential: credential.toJSON() });
    if (reply.status !== 201) return fail(errorText(reply, t("js.passkey_add_failed")));
    localStorage.setItem(OFFER_KEY, "dismissed");
    say(t("js.passkey_added", { name: reply.data.name }));
    listSessions();
  } catch (error) {
    fail(t("js.passkey_none_added"));
  } finally {
    $("add-passkey").disabled = false;
  }
}

let conditional = null;
// One options request at a time: each answer sets the ceremony's cookie, so a click that asks while
// the autofill's request is still out must ask after it, or the cookie could name the other ceremony.
let optionsInFlight = Promise.resolve();
async function passkeySignIn(mediation) {
  const previous = optionsInFlight;
  optionsInFlight = previous.catch(() => undefined).then(() => api("/auth/sign-in/passkey/options", {}));
  const options = await optionsInFlight;
  if (options.status !== 200) return mediation ? undefined : fail(errorText(options, t("js.passkeys_unavailable")));
  if (conditional) conditional.abort();
  conditional = new AbortController();
  let credential;
  try {
    credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.data.publicKey),
      mediation, signal: conditional.signal });
  } catch (error) {
    if (!mediation) fail(t("js.passkey_none_used"), "email");
    return;
  }
  say(t("js.signing_in"));
  const reply = await api("/auth/sign-in/passkey", { credential: credential.toJSON() });
  if (reply.status === 200) return location.assign(redirectTarget() || reply.data.redirect || "/");
  fail(errorText(reply, t("js.passkey_failed")), "email");
}

async function offerPasskeys() {
  if (!passkeysSupported()) return;
  $("passkey-sign-in").hidden = false;
  if (PublicKeyCredential.isConditionalMediationAvailable && await PublicKeyCredential.isConditionalMediationAvailable()) {
    passkeySignIn("conditional"); // the browser offers passkeys in the email field's autofill
  }
}

// ---- recent authentication, address, deletion ----------------------------------

// A sensitive request answered 401 reauth_required: confirm with a passkey or the
// mailed code, then run it again. Resolves to the request's reply, or null if abandoned.
let stepUpDone = null;
async function sensitive(request) {
  const reply = await request();
  if (reply.status !== 401 || !reply.data.error || reply.data.error.code !== "reauth_required") return reply;
  const started = await api("/auth/step-up", {});
  if (started.status !== 200) { fail(errorText(started, t("js.send_failed"))); return null; }
  $("stepup").hidden = false;
  $("stepup-passkey").hidden = !(started.data.publicKey && passkeysSupported());
  $("stepup-passkey").onclick = () => stepUpWithPasskey(started.data.publicKey);
  say(t("js.stepup_sent"));
  $("stepup-code").focus();
  const confirmed = await new Promise((resolve) => { stepUpDone = resolve; });
  $("stepup").hidden = true;
  if (!confirmed) return null;
  say(t("js.stepup_done"));
  return request();
}

async function stepUpWithPasskey(publicKey) {
  try {
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey) });
    const reply = await api("/auth/step-up/passkey", { credential: credential.toJSON() });
    if (reply.status === 204) return stepUpDone(true);
    fail(errorText(reply, t("js.passkey_failed")), "stepup-code");
  } catch (error) {
    fail(t("js.passkey_none_used"), "stepup-code");
  }
}

async function onStepUpCode(event) {
  event.preventDefault();
  const code = $("stepup-code").value.replace(/\D/g, "");
  if (code.length !== 6) return fieldError("stepup-code", t("js.enter_code"));
  say(t("js.confirming"));
  const reply = await api("/auth/step-up/code", { code });
  if (reply.status === 204) { $("stepup-code").value = ""; return stepUpDone(true); }
  fieldError("stepup-code", errorText(reply, t("js.code_failed")));
  $("stepup-code").select();
}

async function onChangeEmail(event) {
  event.preventDefault();
  const email = $("new-email").value.trim();
  if (!$("new-email").checkValidity() || !email) return fieldError("new-email", t("js.enter_email"));
  const reply = await sensitive(() => api("/auth/account/email", { email }));
  if (!reply) return;
  if (reply.status !== 202) return fail(errorText(reply, t("js.send_failed")), "new-email");
  $("change-code-form").hidden = false;
  say(t("js.change_sent", { email }));
  $("change-code").focus();
}

async function onChangeCode(event) {
  event.preventDefault();
  const code = $("change-code").value.replace(/\D/g, "");
  if (code.length !== 6) return fieldError("change-code", t("js.enter_code"));
  const reply = await api("/auth/account/email/code", { code });
  if (reply.status !== 200) return fieldError("change-code", errorText(reply, t("js.code_failed")));
  $("change-code-form").hidden = true;
  $("change-code").value = $("new-email").value = "";
  $("account-email").textContent = reply.data.email;
  say(t("js.email_changed", { email: reply.data.email }));
}

async function deleteAccount() {
  if (!window.confirm(t("js.confirm_delete"))) return;
  const reply = await sensitive(() => api("/auth/account", {}, "DELETE"));
  if (!reply) return;
  if (reply.status !== 204) return fail(errorText(reply, t("js.send_failed")));
  clearTimeout(refreshTimer);
  show("state-email", "email");
  say(t("js.account_deleted"));
}

async function endSession(id) {
  const reply = await api(`/auth/sessions/${encodeURIComponent(id)}`, {}, "DELETE");
  say(reply.status === 204 ? t("js.device_signed_out") : errorText(reply, t("js.device_sign_out_failed")));
  listSessions();
}

async function endOtherSessions() {
  const reply = await api("/auth/sessions", {}, "DELETE");
  say(reply.status === 204 ? t("js.others_signed_out") : errorText(reply, t("js.others_sign_out_failed")));
  listSessions();
}

async function signOut(everywhere) {
  clearTimeout(refreshTimer);
  await api(everywhere ? "/auth/sign-out?everywhere=1" : "/auth/sign-out", {});
  show("state-email", "email");
  say(t(everywhere ? "js.signed_out_everywhere" : "js.signed_out"));
  offerPasskeys();
}

async function signInPage() {
  $("email-form").addEventListener("submit", onEmail);
  $("code-form").addEventListener("submit", onCode);
  $("code").addEventListener("paste", onPaste);
  $("resend").addEventListener("click", onResend);
  $("change-email").addEventListener("click", () => { say(""); show("state-email", "email"); });
  $("sign-out").addEventListener("click", () => signOut(false));
  $("sign-out-everywhere").addEventListener("click", () => {
    if (window.confirm(t("js.confirm_sign_out_everywhere"))) signOut(true);
  });
  $("sign-out-others").addEventListener("click", () => {
    if (window.confirm(t("js.confirm_sign_out_others"))) endOtherSessions();
  });
  $("passkey-sign-in").addEventListener("click", () => passkeySignIn(undefined));
  $("add-passkey").addEventListener("click", addPasskey);
  $("stepup-form").addEventListener("submit", onStepUpCode);
  $("change-form").addEventListener("submit", onChangeEmail);
  $("change-code-form").addEventListener("submit", onChangeCode);
  $("delete-account").addEventListener("click", deleteAccount);
  $("passkey-not-now").addEventListener("click", () => {
    localStorage.setItem(OFFER_KEY, "dismissed");
    $("passkey-offer").hidden = true;
  });
  const session = await api("/auth/session");
  // Signed in already, and sent here to sign in for an app (/oauth/authorize): go straight back.
  if (session.status === 200 && (redirectTarget() || "").startsWith("/oauth/authorize?")) {
    return location.assign(redirectTarget());
  }
  if (!showSession(session)) {
    show("state-email", "email");
    offerPasskeys();
  }
}

// ---- link page ---------------------------------------------------------------

async function linkPage() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  // Out of the address bar (and history) at once; the fragment never reached a server.
  history.replaceState(null, "", location.pathname);
  if (!token) return linkDeadEnd(t("js.link_incomplete"));
  const preview = await api("/auth/sign-in/link/preview", { token });
  if (preview.status !== 200) return linkDeadEnd(errorText(preview, t("error.invalid_link")));
  $("link-who").textContent = t("js.link_ready");
  const button = $("continue");
  button.textContent = t("js.continue_as", { email: preview.data.email });
  button.disabled = false;
  button.focus();
  button.addEventListener("click", async () => {
    button.disabled = true;
    say(t("js.signing_in"));
    const reply = await api("/auth/sign-in/link", { token });
    if (reply.status === 200) return location.assign(reply.data.redirect || "/");
    linkDeadEnd(errorText(reply, t("error.invalid_link")));
  }, { once: true });
}

// A link that cannot sign in says why and offers the way on, never a button that does nothing.
function linkDeadEnd(message) {
  $("link-who").textContent = t("js.link_unusable");
  $("continue").hidden = true;
  $("new-link").hidden = false;
  fail(message);
  $("new-link").focus();
}

// ---- "this wasn't me" page -------------------------------------------------------

function notMePage() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  history.replaceState(null, "", location.pathname);
  if (!token) return fail(t("js.link_incomplete"));
  $("secure").addEventListener("click", async () => {
    $("secure").disabled = true;
    say(t("js.securing"));
    const reply = await api("/auth/not-me", { token });
    if (reply.status === 200) {
      const done = [t("js.secured_sessions", { count: reply.data.sessions_ended })];
      if (reply.data.passkeys_removed.length) done.push(t("js.secured_passkeys", { names: reply.data.passkeys_removed.join(", ") }));
      if (reply.data.address_restored) done.push(t("js.secured_restored"));
      say(done.join(" "));
      return show("state-secured", "main");
    }
    // A used link says so, and offers no retry; anything else may be tried again.
    $("secure").disabled = reply.status === 410;
    $("secure").hidden = reply.status === 410;
    fail(errorText(reply, t("js.not_me_failed")));
  });
}

// ---- confirm page (a step-up link, or a new address's link) ----------------------

function confirmPage() {
  const purpose = $("state-confirm").dataset.purpose;
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  history.replaceState(null, "", location.pathname);
  if (!token) return fail(t("js.link_incomplete"));
  const path = purpose === "step_up" ? "/auth/step-up/link" : "/auth/account/email/link";
  $("confirm").addEventListener("click", async () => {
    $("confirm").disabled = true;
    say(t("js.confirming"));
    const reply = await api(path, { token });
    if (reply.status === 204 || reply.status === 200) {
      $("confirm").hidden = true;
      return say(purpose === "step_up" ? t("js.confirmed_step_up") : t("js.confirmed_address_change", { email: reply.data.email }));
    }
    fail(errorText(reply, t("error.invalid_link")));
  }, { once: true });
}

// Each page attaches its handlers before anything is awaited: a click that lands while
// /auth/config is still on its way must reach the script, not fall through to the
// browser's own form submission (a GET that would put the address in the URL).
async function loadConfig() {
  const reply = await api("/auth/config");
  if (reply.status === 200) config = reply.data;
  $("dev-mailbox").hidden = !config.dev_mailbox;
}

function main() {
  const page = $("continue") ? linkPage : $("secure") ? notMePage : $("confirm") ? confirmPage : signInPage;
  configLoaded = loadConfig();
  page();
}

main();
