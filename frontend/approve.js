// The approval page (/device): a signed-in person types or scans a code, reviews who asks,
// and approves by picking the number the other device shows, or denies.

import { $, api, dateText, errorText, fail, fieldError, say, show, t } from "./common.js";

let code = "";

function showDone(heading, lead) {
  $("done-heading").textContent = heading;
  $("done-lead").textContent = lead;
  say("");
  show("state-done", "done-heading");
}

function showReview(request) {
  const asker = request.kind === "device" ? t("js.device_asker", { app: request.app, device: request.device })
    : t("js.browser_asker", { device: request.device });
  $("review-asker").textContent = asker;
  $("review-ip").textContent = request.place ? t("js.ip_near", { ip: request.ip, place: request.place }) : request.ip;
  $("review-when").textContent = dateText(request.requested_at);
  const numbers = $("numbers");
  numbers.replaceChildren(...request.numbers.map((number) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "number";
    button.textContent = number;
    button.addEventListener("click", () => decide(number));
    return button;
  }));
  say("");
  show("state-review", "review-heading");
}

function busy(yes) {
  for (const button of document.querySelectorAll("#state-review button")) button.disabled = yes;
}

async function decide(number) {
  busy(true);
  const reply = await api("/auth/approvals/decide", number === undefined ? { code } : { code, number });
  if (reply.status !== 200) {
    busy(false);
    return fail(errorText(reply, t("js.approval_failed")));
  }
  if (reply.data.status === "approved") return showDone(t("js.approved_heading"), t("js.approved_lead"));
  if (reply.data.reason === "wrong_number") return showDone(t("js.wrong_number_heading"), t("js.wrong_number_lead"));
  showDone(t("js.denied_heading"), t("js.denied_lead"));
}

async function lookUp(typed) {
  $("device-submit").disabled = true;
  say(t("js.checking_code"));
  const reply = await api("/auth/approvals/lookup", { code: typed });
  $("device-submit").disabled = false;
  if (reply.status === 401) return signInFirst(typed);
  if (reply.status !== 200) {
    say("");
    show("state-enter");
    return fieldError("user-code", errorText(reply, t("js.approval_failed")));
  }
  code = typed;
  showReview(reply.data);
}

function signInFirst(typed) {
  const back = typed ? `/device?code=${encodeURIComponent(typed)}` : "/device";
  $("sign-in-first").href = `/?redirect=${encodeURIComponent(back)}`;
  say("");
  show("state-sign-in-first", "sign-in-first");
}

export async function devicePage() {
  $("device-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = $("user-code").value.trim();
    if (!typed) return fieldError("user-code", t("js.enter_user_code"));
    lookUp(typed);
  });
  $("deny").addEventListener("click", () => decide(undefined));
  const given = new URLSearchParams(location.search).get("code");
  if (given) {
    $("user-code").value = given;
    return lookUp(given);
  }
  const session = await api("/auth/session");
  if (session.status !== 200) return signInFirst("");
  $("user-code").focus();
}
