// The signed-in view: sessions, passkeys, recent authentication, the address, deletion.

import { $, ago, api, dateText, errorText, fail, fieldError, say, show, t } from "./common.js";
import { redirectTarget } from "./signin.js";

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

export function showSession(reply) {
  if (reply.status !== 200) return false;
  $("account-email").textContent = reply.data.user.email || t("js.your_account");
  show("state-signed-in");
  scheduleRefresh(reply.data.expires_at);
  // Busy until the lists are in: they move the buttons below them as they arrive.
  $("state-signed-in").setAttribute("aria-busy", "true");
  listSessions().finally(() => $("state-signed-in").setAttribute("aria-busy", "false"));
  return true;
}

const METHODS = {
  code: "js.method_code", link: "js.method_link", passkey: "js.method_passkey", device: "js.method_device",
  approval: "js.method_approval",
};

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

export const OFFER_KEY = "sesame-passkey-offer"; // a UI preference, never a secret
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

export async function addPasskey() {
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
export async function passkeySignIn(mediation) {
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

export async function offerPasskeys() {
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

export async function onStepUpCode(event) {
  event.preventDefault();
  const code = $("stepup-code").value.replace(/\D/g, "");
  if (code.length !== 6) return fieldError("stepup-code", t("js.enter_code"));
  say(t("js.confirming"));
  const reply = await api("/auth/step-up/code", { code });
  if (reply.status === 204) { $("stepup-code").value = ""; return stepUpDone(true); }
  fieldError("stepup-code", errorText(reply, t("js.code_failed")));
  $("stepup-code").select();
}

export async function onChangeEmail(event) {
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

export async function onChangeCode(event) {
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

export async function deleteAccount() {
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

export async function endOtherSessions() {
  const reply = await api("/auth/sessions", {}, "DELETE");
  say(reply.status === 204 ? t("js.others_signed_out") : errorText(reply, t("js.others_sign_out_failed")));
  listSessions();
}

export async function signOut(everywhere) {
  clearTimeout(refreshTimer);
  await api(everywhere ? "/auth/sign-out?everywhere=1" : "/auth/sign-out", {});
  show("state-email", "email");
  say(t(everywhere ? "js.signed_out_everywhere" : "js.signed_out"));
  offerPasskeys();
}
