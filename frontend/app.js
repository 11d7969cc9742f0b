// Sesame's sign-in pages. Tokens never touch this script: the session lives in
// HttpOnly cookies, so all it ever sees is JSON without secrets.

import {
  OFFER_KEY, addPasskey, deleteAccount, endOtherSessions, offerPasskeys, onChangeCode, onChangeEmail, onStepUpCode,
  passkeySignIn, showSession, signOut,
} from "./account.js";
import { devicePage } from "./approve.js";
import { $, api, errorText, fail, say, show, startLoadingConfig, t } from "./common.js";
import { cancelPhone, startPhone } from "./phone.js";
import { onCode, onEmail, onPaste, onResend, redirectTarget } from "./signin.js";

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
  const phoneSignedIn = () => location.assign(redirectTarget() || "/");
  $("phone-sign-in").addEventListener("click", () => startPhone(phoneSignedIn));
  $("phone-again").addEventListener("click", () => startPhone(phoneSignedIn));
  $("phone-cancel").addEventListener("click", cancelPhone);
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


function main() {
  const page = $("continue") ? linkPage : $("secure") ? notMePage : $("confirm") ? confirmPage
    : $("device-form") ? devicePage : signInPage;
  startLoadingConfig();
  page();
}

main();
