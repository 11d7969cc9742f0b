// Sesame's sign-in pages. Tokens never touch this script: the session lives in
// HttpOnly cookies, so all it ever sees is JSON without secrets.
const $ = (id) => document.getElementById(id);
const JSON_HEADERS = { "Content-Type": "application/json" };
let config = { resend_cooldown: 60, dev_mailbox: false };

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

function show(state, focusId) {
  for (const section of document.querySelectorAll("[data-state]")) section.hidden = section.id !== state;
  if (focusId) $(focusId).focus();
}

function errorText(reply, fallback) {
  if (reply.status === 429) return `Too many attempts. Try again in ${reply.retryAfter || 60} seconds.`;
  return (reply.data && reply.data.error && reply.data.error.message) || fallback;
}

// ---- sign-in page ----------------------------------------------------------

let cooldownTimer = null;
function startCooldown(seconds) {
  const button = $("resend");
  let left = seconds;
  clearInterval(cooldownTimer);
  const tick = () => {
    button.disabled = left > 0;
    button.textContent = left > 0 ? `Resend in ${left} s` : "Resend email";
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

async function requestEmail(email) {
  const reply = await api("/auth/sign-in", { email, redirect: redirectTarget() });
  if (reply.status !== 202) {
    fail(errorText(reply, "We could not send the email. Try again."), "email");
    if (reply.status === 429) startCooldown(reply.retryAfter);
    return false;
  }
  $("sent-to").textContent = email;
  startCooldown(config.resend_cooldown);
  return true;
}

async function onEmail(event) {
  event.preventDefault();
  const email = $("email").value.trim();
  if (!$("email").checkValidity() || !email) return fail("Enter a valid email address.", "email");
  $("email-submit").disabled = true;
  say("Sending…");
  try {
    if (await requestEmail(email)) {
      show("state-code", "code");
      say(`Email sent to ${email}.`);
    }
  } finally {
    $("email-submit").disabled = false;
  }
}

async function onCode(event) {
  event.preventDefault();
  const code = $("code").value.replace(/\D/g, "");
  if (code.length !== 6) return fail("Enter the 6 digits from the email.", "code");
  $("code-submit").disabled = true;
  say("Checking…");
  const reply = await api("/auth/sign-in/code", { code });
  $("code-submit").disabled = false;
  if (reply.status === 200) return location.assign(reply.data.redirect || "/");
  $("code").value = "";
  fail(errorText(reply, "That code did not work."), "code");
}

function onPaste(event) {
  const digits = (event.clipboardData || window.clipboardData).getData("text").replace(/\D/g, "").slice(0, 6);
  event.preventDefault();
  $("code").value = digits;
  if (digits.length === 6) $("code-form").requestSubmit();
}

async function onResend() {
  $("resend").disabled = true;
  if (await requestEmail($("sent-to").textContent)) say("A new email is on its way. Earlier codes no longer work.");
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
    fail("Your session ended. Sign in again.");
  }, wait);
}

function showSession(reply) {
  if (reply.status !== 200) return false;
  $("account-email").textContent = reply.data.user.email || "your account";
  $("account-sub").textContent = reply.data.user.sub;
  $("session-until").textContent = new Date(reply.data.expires_at).toLocaleString();
  show("state-signed-in");
  scheduleRefresh(reply.data.expires_at);
  listSessions();
  return true;
}

const METHODS = { code: "email code", link: "email link", passkey: "passkey" };

function sessionItem(session) {
  const item = document.createElement("li");
  item.dataset.session = session.id;
  const text = document.createElement("span");
  text.textContent = `${session.device} · ${METHODS[session.method] || session.method}`;
  const when = document.createElement("span");
  when.className = "when";
  when.textContent = `Signed in ${new Date(session.created_at).toLocaleString()}, last seen ${new Date(session.last_seen_at).toLocaleString()}`;
  text.append(when);
  item.append(text);
  if (session.current) {
    const mark = document.createElement("span");
    mark.className = "this";
    mark.textContent = "This device";
    item.append(mark);
  } else {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = "Sign out";
    button.setAttribute("aria-label", `Sign out ${session.device}`);
    button.addEventListener("click", () => endSession(session.id));
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
  const used = passkey.last_used_at ? `last used ${new Date(passkey.last_used_at).toLocaleString()}` : "not used yet";
  when.textContent = `Added ${new Date(passkey.created_at).toLocaleString()}, ${used}`;
  text.append(when);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.textContent = "Remove";
  button.setAttribute("aria-label", `Remove passkey ${passkey.name}`);
  button.addEventListener("click", async () => {
    const reply = await api(`/auth/passkeys/${encodeURIComponent(passkey.id)}`, {}, "DELETE");
    say(reply.status === 204 ? "Passkey removed." : errorText(reply, "Could not remove the passkey."));
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
    const options = await api("/auth/passkeys/registration-options", {});
    if (options.status !== 200) return fail(errorText(options, "Could not start adding a passkey."));
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.data.publicKey) });
    const reply = await api("/auth/passkeys", { credential: credential.toJSON() });
    if (reply.status !== 201) return fail(errorText(reply, "That passkey could not be added."));
    localStorage.setItem(OFFER_KEY, "dismissed");
    say(`Passkey added: ${reply.data.name}.`);
    listSessions();
  } catch (error) {
    fail("No passkey was added.");
  } finally {
    $("add-passkey").disabled = false;
  }
}

let conditional = null;
async function passkeySignIn(mediation) {
  const options = await api("/auth/sign-in/passkey/options", {});
  if (options.status !== 200) return mediation ? undefined : fail(errorText(options, "Passkeys are unavailable."));
  if (conditional) conditional.abort();
  conditional = new AbortController();
  let credential;
  try {
    credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.data.publicKey),
      mediation, signal: conditional.signal });
  } catch (error) {
    if (!mediation) fail("No passkey was used. Sign in with your email instead.", "email");
    return;
  }
  say("Signing you in…");
  const reply = await api("/auth/sign-in/passkey", { credential: credential.toJSON() });
  if (reply.status === 200) return location.assign(reply.data.redirect || "/");
  fail(errorText(reply, "That passkey did not work. Sign in with your email instead."), "email");
}

async function offerPasskeys() {
  if (!passkeysSupported()) return;
  $("passkey-sign-in").hidden = false;
  if (PublicKeyCredential.isConditionalMediationAvailable && await PublicKeyCredential.isConditionalMediationAvailable()) {
    passkeySignIn("conditional"); // the browser offers passkeys in the email field's autofill
  }
}

async function endSession(id) {
  const reply = await api(`/auth/sessions/${encodeURIComponent(id)}`, {}, "DELETE");
  say(reply.status === 204 ? "That device is signed out." : errorText(reply, "Could not sign that device out."));
  listSessions();
}

async function endOtherSessions() {
  const reply = await api("/auth/sessions", {}, "DELETE");
  say(reply.status === 204 ? "Every other device is signed out." : errorText(reply, "Could not sign them out."));
  listSessions();
}

async function signOut(everywhere) {
  clearTimeout(refreshTimer);
  await api(everywhere ? "/auth/sign-out?everywhere=1" : "/auth/sign-out", {});
  show("state-email", "email");
  say(everywhere ? "Signed out on every device." : "Signed out.");
  offerPasskeys();
}

async function signInPage() {
  $("email-form").addEventListener("submit", onEmail);
  $("code-form").addEventListener("submit", onCode);
  $("code").addEventListener("paste", onPaste);
  $("resend").addEventListener("click", onResend);
  $("change-email").addEventListener("click", () => { say(""); show("state-email", "email"); });
  $("sign-out").addEventListener("click", () => signOut(false));
  $("sign-out-everywhere").addEventListener("click", () => signOut(true));
  $("sign-out-others").addEventListener("click", endOtherSessions);
  $("passkey-sign-in").addEventListener("click", () => passkeySignIn(undefined));
  $("add-passkey").addEventListener("click", addPasskey);
  $("passkey-not-now").addEventListener("click", () => {
    localStorage.setItem(OFFER_KEY, "dismissed");
    $("passkey-offer").hidden = true;
  });
  if (!showSession(await api("/auth/session"))) {
    show("state-email", "email");
    offerPasskeys();
  }
}

// ---- link page ---------------------------------------------------------------

async function linkPage() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  // Out of the address bar (and history) at once; the fragment never reached a server.
  history.replaceState(null, "", location.pathname);
  if (!token) return fail("This link is incomplete. Open the link from the email again.");
  const preview = await api("/auth/sign-in/link/preview", { token });
  if (preview.status !== 200) {
    $("link-who").textContent = "This link can't be used.";
    return fail(errorText(preview, "This sign-in link is not valid any more. Ask for a new one."));
  }
  $("link-who").textContent = "Your link is ready. Continuing signs this browser in.";
  const button = $("continue");
  button.textContent = `Continue as ${preview.data.email}`;
  button.disabled = false;
  button.focus();
  button.addEventListener("click", async () => {
    button.disabled = true;
    say("Signing you in…");
    const reply = await api("/auth/sign-in/link", { token });
    if (reply.status === 200) return location.assign(reply.data.redirect || "/");
    fail(errorText(reply, "This sign-in link is not valid any more. Ask for a new one."));
  }, { once: true });
}

// ---- "this wasn't me" page -------------------------------------------------------

function notMePage() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  history.replaceState(null, "", location.pathname);
  if (!token) return fail("This link is incomplete. Open the link from the email again.");
  $("secure").addEventListener("click", async () => {
    $("secure").disabled = true;
    say("Securing your account…");
    const reply = await api("/auth/not-me", { token });
    if (reply.status === 200) {
      say("");
      return show("state-secured", "main");
    }
    $("secure").disabled = false;
    fail(errorText(reply, "This link is not valid any more. If you still see sign-ins you don't recognise, sign in and use “Sign out everywhere”."));
  });
}

async function main() {
  const reply = await api("/auth/config");
  if (reply.status === 200) config = reply.data;
  $("dev-mailbox").hidden = !config.dev_mailbox;
  if ($("continue")) return linkPage();
  if ($("secure")) return notMePage();
  return signInPage();
}

main();
