"""Passwordless sign-in: request a code and link, then redeem either one.

``request_sign_in`` does the same AWS work whether or not the account
exists (limiter, Cognito lookup, KMS encrypt, one DynamoDB transaction, one
email), so its answer and its timing say nothing about who has an account.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import unquote

from chalicelib import accounts, audit, errors, events, limits, mail, sessions, tokens
from chalicelib.account import signups
from chalicelib.config import settings
from chalicelib.limits import Bucket
from chalicelib.sessions import devices
from chalicelib.signin import addresses, challenges, codes, linktoken

_REDIRECT = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?#]*")
MAX_REDIRECT = 2048  # an OAuth authorization request, back after sign-in, fits
# Every kind a stranger can cause is checked the same way (a "no account" challenge is
# never redeemable: its code and link were never mailed).
CHECKED_KINDS = (*challenges.SIGN_IN_KINDS, "no_account")
OWN_PATHS = ("/auth", "/sign-in", "/not-me", "/step-up", "/account", "/static", "/dev", "/.well-known")


@dataclass(frozen=True)
class SignedIn:
    session: tokens.Session
    redirect: str
    cookies: list[str]  # the session's, and the device cookie


def safe_redirect(raw: str | None) -> str:
    """A same-origin relative path, or "/": never //host, \\host or a scheme, never a
    fragment, and never Sesame's own pages or API (a genuine email's link must not
    carry an attacker's token into them: login CSRF)."""
    if not raw or len(raw) > MAX_REDIRECT or not _REDIRECT.fullmatch(raw) or "\\" in raw or "#" in raw:
        return "/"
    path = posixpath.normpath(unquote(raw.split("?", 1)[0])).lower()
    if any(path == own or path.startswith(f"{own}/") for own in OWN_PATHS):
        return "/"
    return raw


def account_kind(email: str) -> str:
    """An account that exists signs in, proven or not: its code or link proves the
    mailbox (an address an operator edited is unproven until then). A disabled
    account is mailed no code or link, whatever the sign-up policy."""
    standing = accounts.standing(email)
    if standing in ("proven", "unproven"):
        return "sign_in"
    return "sign_up" if settings().sign_up == "open" and standing == "missing" else "no_account"


def request_sign_in(raw_email: str, raw_redirect: str | None, source_ip: str, locale: str,
                    invitation: Invitation | None = None, device_cookie: str | None = None) -> str:
    """Mail a code and a link in ``locale``; returns the challenge id for the flow cookie.
    ``invitation``: an operator's (for an existing account): a link alone, valid for days.

    An address on SES's suppression list gets the same work as any other (SES drops
    the message); only the audit event says it was suppressed."""
    try:
        email = addresses.normalize(raw_email)
    except addresses.InvalidEmail:
        raise errors.InvalidEmail()
    email_hash = addresses.email_hash(email)
    audit.note(email_hash=email_hash)
    # Read before any lookup, so existing and unknown addresses are limited alike;
    # counted in the challenge's own transaction below.
    reservation = request_limits(email_hash, source_ip, device_cookie)
    redirect = safe_redirect(raw_redirect)
    kind = account_kind(email)
    suppressed = mail.outbox.suppressed(email)
    invited = invitation is not None and kind == "sign_in"
    ttl = settings().invite_days * 86400 if invited else settings().code_ttl
    mailed = new_challenge(kind, email, locale, redirect=redirect, ttl=ttl, with_code=not invited)
    if suppressed:
        # Mailed all the same: SES accepts a message to a suppressed address and drops it.
        # The same work as for any address, so neither the answer nor its time tells.
        audit.note(event="sign_in.suppressed")
    send(mailed, reservation, kind, invitation if invited else None)
    return mailed.challenge.challenge_id


@dataclass(frozen=True)
class Invitation:
    """An operator's invitation: who sent it (a name the invitee knows, or "")."""

    inviter: str = ""


@dataclass(frozen=True)
class Mailed:
    """A challenge and the code and link token that go in its email (never stored in clear)."""

    challenge: challenges.Challenge
    code: str
    token: str
    page: str  # the page the link opens


# The purpose each kind's link is sealed for, and the page it opens.
LINKS = {"step_up": (linktoken.STEP_UP, "/step-up"), "address_change": (linktoken.ADDRESS_CHANGE, "/account/email")}


def new_challenge(kind: str, email: str, locale: str, *, redirect: str = "/", bound_to: str = "",
                  was: str = "", ttl: int | None = None, with_code: bool = True) -> Mailed:
    """A new code and link for ``email`` (normalized), of ``kind`` (``challenges.KINDS``),
    valid for ``ttl`` seconds (the stage's code lifetime unless given). Without ``with_code``
    (an invitation: a link alone) the challenge stores no code's MAC, so no code opens it."""
    challenge_id, code, nonce = challenges.new_id(), codes.new_code(), linktoken.new_nonce()
    expires_at = int(time.time()) + (ttl or settings().code_ttl)
    purpose, page = LINKS.get(kind, (linktoken.PURPOSE, "/sign-in/link"))
    token = linktoken.seal(linktoken.LinkPayload(challenge_id, nonce, email, expires_at), purpose)
    challenge = challenges.Challenge(
        challenge_id=challenge_id, email=email, email_hash=addresses.email_hash(email),
        code_mac=codes.code_mac(challenge_id, code) if with_code else "", nonce_hash=challenges.nonce_hash(nonce),
        expires_at=expires_at, kind=kind, redirect=redirect, locale=locale, bound_to=bound_to, was=was)
    return Mailed(challenge, code, token, page)


def send(mailed: Mailed, reservation: limits.Reservation, letter: str,
         invitation: Invitation | None = None) -> None:
    """Store the challenge with the reservation's counts, then mail ``letter`` (or the
    invitation); on any failure, withdraw both (nothing live for an email never sent)."""
    challenge = mailed.challenge
    link = mail.link_url(mailed.token, mailed.page)
    try:
        reservation = limits.commit(reservation, challenges.writes(challenge))
        if invitation is None:
            mail.send_challenge(letter, challenge.email, mailed.code, link, challenge.locale)
        else:  # the link alone: a code works only in the browser that asked, and nobody asked
            mail.send_invitation(challenge.email, link, settings().invite_days, invitation.inviter,
                                 challenge.locale)
    except errors.DEPENDENCY_FAILURES:
        _withdraw(challenge, reservation)
        raise


def request_limits(email_hash: str, ip: str, device_cookie: str | None) -> limits.Reservation:
    """The address's and the IP's email limits, or, for a browser the account has signed in
    from before, limits of its own: a stranger asking for the owner's address all day never
    stops the owner's own browsers from getting an email. One read either way."""
    stranger = (Bucket("sign_in_email_minute", email_hash), Bucket("sign_in_email_hour", email_hash),
                Bucket("sign_in_ip_hour", ip))
    device = devices.hashed(device_cookie)
    if device is None:
        return limits.reserve(*stranger)
    mine = f"{email_hash}:{device}"
    own = (Bucket("sign_in_email_minute", mine), Bucket("sign_in_email_hour", mine))
    known = devices.pk(email_hash)
    return limits.reserve(*stranger, *own, fetch=(known,),
                          pick=lambda fetched: own if devices.knows(fetched.get(known), device) else stranger)


def _withdraw(challenge: challenges.Challenge, reservation: limits.Reservation) -> None:
    """After a failed store or send (the outcome of either may be unknown: a
    timeout), leave no challenge live for an email never sent and give the
    limiter back its counts. Best effort: the request is failing already."""
    audit.best_effort("sign_in.withdraw_failed", lambda: challenges.withdraw(challenge))
    audit.best_effort("sign_in.withdraw_failed", lambda: limits.refund(reservation))


def live(challenge_id: str | None, ip_bucket: Bucket,
         kinds: tuple[str, ...] = challenges.SIGN_IN_KINDS) -> challenges.Challenge | None:
    """The live challenge of one of ``kinds``, after counting this attempt against the
    caller's IP and checking the account's failure cap: the challenge is read with the
    IP's bucket (one BatchGetItem), and counted and capped in one transaction."""
    key = challenges.pk(challenge_id) if challenge_id and challenges.is_id(challenge_id) else None
    item = limits.hit_fetching(ip_bucket, key, limits.account_cap)
    found = challenges.from_item(item) if item else None
    if found is not None:
        audit.note(email_hash=found.email_hash)
    if found is None or not found.redeemable(time.time(), settings().code_max_attempts, kinds):
        return None
    return found


def code_holds(found: challenges.Challenge, code: str) -> bool:
    """Check a code against the challenge's keyed hash before Cognito sees it, so that
    only a right answer reaches Cognito or creates a sign-up's account. A wrong code
    is one of the challenge's attempts and counts against the account."""
    if codes.code_matches(found.challenge_id, code, found.code_mac):
        return True
    challenges.count_attempt(found.challenge_id, found.email, settings().code_max_attempts,
                             f"api:{secrets.token_urlsafe(12)}")
    limits.add(Bucket("account_failures", found.email_hash))
    return False


def checked_link(token: str, ip: str, kinds: tuple[str, ...] = CHECKED_KINDS,
                 purpose: str = linktoken.PURPOSE) -> challenges.Challenge | None:
    """The live challenge whose link ``token`` is, after counting the attempt against the
    IP, else None. Every well-formed token is opened (KMS) whatever its challenge, so the
    answer and its time say nothing about the address; a token that does not open proves
    nothing and counts only against the IP."""
    try:
        challenge_id: str | None = linktoken.challenge_id_of(token)
    except linktoken.InvalidLink:
        challenge_id = None  # still counted against the IP
    found = live(challenge_id, Bucket("link_ip", ip), kinds)
    try:
        payload = linktoken.unseal(token, purpose) if challenge_id else None
    except linktoken.InvalidLink:
        payload = None
    except linktoken.LinkUnavailable as exc:
        raise errors.ServiceUnavailable() from exc
    if found is None or payload is None or not linktoken.opens(payload, found, time.time()):
        return None
    return found


def _finish(found: challenges.Challenge, answer: str, method: str, client: sessions.Client) -> SignedIn | None:
    """Sign in with an answer the API has checked already."""
    if found.kind == "sign_up":
        signups.create(found.email)
    client = dataclasses.replace(client, locale=found.locale)  # the new-device email speaks as the first one did
    attempt = secrets.token_urlsafe(16)
    metadata = {"method": method, "challenge": found.challenge_id, "attempt": attempt}
    try:
        result = accounts.sign_in(found.email, answer, metadata)
        session = tokens.session_from(result)
        audit.note(user_sub=session.sub)
        jar = session.cookies + sessions.begin(session, method, client)
    except accounts.AuthFailed:
        # Counted per account, never reset by a new code (OWASP ASVS 2.2.1).
        limits.add(Bucket("account_failures", found.email_hash))
        return None
    except errors.DEPENDENCY_FAILURES:
        # Cognito may have consumed the challenge and issued tokens that will never
        # reach the browser: give the credential back, so the email still works.
        audit.best_effort("sign_in.release_failed", lambda: challenges.release(found.challenge_id, attempt))
        raise
    if found.kind == "sign_up":  # the address is proven: the account exists from now on
        audit.best_effort("sign_up.unmark_failed", lambda: signups.proven(session.sub))
        events.publish(events.ACCOUNT_CREATED, session.sub, found.email_hash, method=method)
    return SignedIn(session, found.redirect, jar)


def redeem_code(challenge_id: str | None, code: str, client: sessions.Client) -> SignedIn:
    """Sign in with the emailed code; the flow cookie names the challenge. The same work
    whatever the address's state: a challenge of every kind is checked and counted."""
    found = live(challenge_id, Bucket("code_ip", client.ip), CHECKED_KINDS) if codes.is_well_formed(code) else None
    held = found is not None and code_holds(found, code) and found.kind in challenges.SIGN_IN_KINDS
    signed_in = _finish(found, code, "code", client) if found and held else None
    if signed_in is None:
        raise errors.InvalidCode()
    return signed_in


def redeem_link(token: str, client: sessions.Client) -> SignedIn:
    """Sign in with the emailed link's token, from any browser."""
    found = checked_link(token, client.ip)
    held = found is not None and found.kind in challenges.SIGN_IN_KINDS
    signed_in = _finish(found, token, "link", client) if found and held else None
    if signed_in is None:
        raise errors.InvalidLink()
    return signed_in


def mask(email: str) -> str:
    """``ad***@example.com``: enough to recognise one's own address, not to learn another's."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


def preview_link(token: str, source_ip: str) -> str:
    """The masked address a link signs in, without consuming it (for "Continue as ...").
    Only a token that opens says anything: a forged one is ``InvalidLink`` whatever the address."""
    found = checked_link(token, source_ip)
    if found is None or found.kind not in challenges.SIGN_IN_KINDS:
        raise errors.InvalidLink()
    return mask(found.email)
