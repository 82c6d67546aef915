"""What an unauthenticated caller may cost: failed token exchanges per client, and rows in the call log.

Token exchanges are throttled on the *failures* of the client that sent them (core.clients: the configured client
address, hashed), never on the key id alone: a key id is no secret, so a limit per key id would let anyone lock the
real subscriber out by guessing wrong. Bounds, all in the shared cache (core.counters):

- `API_TOKEN_LIMITS`: failures one client may have per window; over it the client gets 429 before its secret is even
  compared, whichever key id it tries. A success does not reset the count (else a client holding one valid pair
  could reset it between guesses at another).
- `API_TOKEN_KEY_LIMITS`: failures for one key id from all clients per window; over it, only clients that have
  themselves failed for that key id in the window are refused. A client that has not failed is never refused on
  account of others: the owner's system keeps getting its tokens while someone else guesses.

Calls without a valid subscription (a bad token, a failed exchange, a malformed token request) are logged at most
`API_UNAUTH_LOG_LIMITS` rows per client per window; beyond it they are counted, and the next row written for that
client says how many were left out. Calls of a subscription are always logged: they are its audit trail and what its
own rate limit counts.
"""
import hashlib

from django.conf import settings

from worksafe.core import clients, counters

SUPPRESSED_KEPT = 86400  # seconds a count of left-out rows waits for the client's next logged call


def _client(request):
    return clients.client_key(request, "api")


def _key(key_id):
    """A key id as a cache-key part: what the caller sent may be any text (NUL included)."""
    return hashlib.sha256(str(key_id).encode("utf-8", "replace")).hexdigest()[:32]


def token_refusal(request, key_id):
    """(seconds to wait, Chinese reason) when this client may not try `key_id` now, else None."""
    client = _client(request)
    wait, limit = counters.over(f"api.token.client:{client}", settings.API_TOKEN_LIMITS)
    if wait:
        window, count = limit
        return wait, f"换取令牌失败次数过多：同一来源地址每 {window} 秒最多失败 {count} 次，请 {wait} 秒后再试"
    key = _key(key_id)
    for window, count in settings.API_TOKEN_KEY_LIMITS:
        wait, _ = counters.over(f"api.token.key:{key}", ((window, count),))
        if wait and counters.over(f"api.token.pair:{client}:{key}", ((window, 1),))[0]:
            return wait, (f"该企业标识近期换取令牌失败过多（每 {window} 秒最多 {count} 次），本来源地址也曾以错误的授权KEY"
                          f"请求，请 {wait} 秒后再试")
    return None


def token_failed(request, key_id):
    """Count a failed exchange against the client, the key id, and the pair."""
    client, key = _client(request), _key(key_id)
    counters.add(f"api.token.client:{client}", settings.API_TOKEN_LIMITS)
    counters.add(f"api.token.key:{key}", settings.API_TOKEN_KEY_LIMITS)
    counters.add(f"api.token.pair:{client}:{key}", settings.API_TOKEN_KEY_LIMITS)


def log_unauthenticated(request):
    """None: leave this call out of the log (counted); else how many earlier calls of this client were left out."""
    client = _client(request)
    limits = settings.API_UNAUTH_LOG_LIMITS
    if counters.over(f"api.log:{client}", limits)[0]:
        counters.tally(f"api.log.suppressed:{client}", SUPPRESSED_KEPT)
        return None
    counters.add(f"api.log:{client}", limits)
    return counters.take(f"api.log.suppressed:{client}")
