"""Who is calling: the client's address as the deployment defines it, and keyed hashes of it for counters.

Behind nginx every request comes from nginx, so `settings.CLIENT_IP_HEADER` names the request header the proxy sets
(nginx: HTTP_X_REAL_IP, docs/deploy.md); without it the client is REMOTE_ADDR. Throttles, lockouts and once-per-window
marks key on a keyed hash, never on the address itself: an HMAC keyed by SECRET_KEY, so what a counter or a row stores
tells nobody without the key which address it was, and each `purpose` gets values of its own that cannot be matched
with another purpose's.
"""
from django.conf import settings
from django.utils.crypto import salted_hmac


def client_address(request):
    """The caller's address: the first address of the configured header (a proxy chain lists the client first), or
    REMOTE_ADDR; "" when the request carries none."""
    header = getattr(settings, "CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    return request.META.get(header, "").split(",")[0].strip()


def keyed_hash(purpose, value):
    """HMAC-SHA256 of `value` keyed by SECRET_KEY for `purpose` (e.g. "hazards.public"), truncated to 128 bits:
    32 hex characters, safe in any cache key or column."""
    return salted_hmac(f"worksafe.{purpose}.client", value, algorithm="sha256").hexdigest()[:32]


def client_key(request, purpose, extra=""):
    """The keyed hash of the caller's address for `purpose`; `extra` narrows it (e.g. to one QR code)."""
    address = client_address(request) or "unknown"
    return keyed_hash(purpose, f"{address}|{extra}" if extra else address)
