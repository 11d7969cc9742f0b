// "Sign in with your phone": this browser shows a QR code and a number, and asks every couple
// of seconds whether a signed-in device has approved. Its cookie binds the request to it.

import { $, api, errorText, fail, say, show, t } from "./common.js";

let timer = null;

function stop() {
  clearTimeout(timer);
  timer = null;
}

async function check(interval, onSignedIn) {
  const reply = await api("/auth/sign-in/phone/status", {});
  if (reply.status === 200 && reply.data.status === "pending") {
    timer = setTimeout(() => check(interval, onSignedIn), interval * 1000);
    return;
  }
  stop();
  $("phone-again").hidden = false;
  if (reply.status === 200 && reply.data.status === "approved") return onSignedIn(reply.data);
  if (reply.status === 200 && reply.data.status === "denied") return fail(t("js.phone_denied"));
  if (reply.status === 200 || reply.status === 404) return fail(t("js.phone_expired"));
  fail(errorText(reply, t("js.phone_failed")));
}

export async function startPhone(onSignedIn) {
  stop();
  $("phone-again").hidden = true;
  say(t("js.phone_starting"));
  const reply = await api("/auth/sign-in/phone", {});
  if (reply.status !== 201) return fail(errorText(reply, t("js.phone_failed")));
  $("phone-qr").src = reply.data.qr;
  $("phone-number").textContent = reply.data.number;
  $("phone-url").href = reply.data.url;
  $("phone-url").textContent = reply.data.url;
  say(t("js.phone_waiting"));
  show("state-phone", "phone-heading");
  timer = setTimeout(() => check(reply.data.interval, onSignedIn), reply.data.interval * 1000);
}

export function cancelPhone() {
  stop();
  say("");
  show("state-email", "email");
}
