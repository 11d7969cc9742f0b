// The sign-in page's email step: ask for a code, enter it, ask again (with the server's countdown).

import { $, LOCALE, api, config, configLoaded, errorText, fail, fieldError, say, show, t } from "./common.js";

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

export function redirectTarget() {
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

export async function onEmail(event) {
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

export async function onCode(event) {
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

export function onPaste(event) {
  const digits = (event.clipboardData || window.clipboardData).getData("text").replace(/\D/g, "").slice(0, 6);
  event.preventDefault();
  $("code").value = digits;
  if (digits.length === 6) $("code-form").requestSubmit();
}

export async function onResend() {
  $("resend").disabled = true;
  const sent = await requestEmail($("sent-to").textContent);
  if (sent) say(t(sent === "throttled" ? "js.asked_recently" : "js.resent"));
}
