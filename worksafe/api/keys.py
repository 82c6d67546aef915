"""Key ids, secrets and access tokens.

Secrets and tokens are 256-bit random strings; only their SHA-256 digests are stored (a random secret needs no
slow hash: there is nothing to guess from its digest). A token is valid until it expires, while its subscription
is approved and its secret has not been rotated since: revoking, cancelling or rotating stops it on the next call.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiSubscription, ApiToken, SubscriptionState

KEY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I to misread when typed from a screen


def digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


def new_key_id():
    return "WS" + "".join(secrets.choice(KEY_ALPHABET) for _ in range(14))


def issue_secret(subscription):
    """A new secret for an approved subscription (returned once, stored as a digest); earlier tokens die."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        subscription.secret_hash = digest(secret)
        subscription.secret_set_at = timezone.now()
        subscription.save(update_fields=["secret_hash", "secret_set_at", "updated_at"])
        subscription.tokens.all().delete()
    return secret


def exchange(key_id, secret):
    """(token, expires_at) for a valid key id and secret of an approved subscription, else None."""
    sub = ApiSubscription.objects.filter(key_id=key_id, state=SubscriptionState.APPROVED).exclude(secret_hash="").first()
    if sub is None or not hmac.compare_digest(sub.secret_hash, digest(secret)):
        return None, None
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(seconds=settings.API_TOKEN_TTL)
    ApiToken.objects.create(subscription=sub, digest=digest(token), expires_at=expires_at)
    # Expired tokens of this subscription are of no further use.
    sub.tokens.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()
    return sub, (token, expires_at)


def subscription_for(token):
    """The approved subscription a bearer token stands for, or None (unknown, expired, revoked, rotated)."""
    row = (ApiToken.objects.select_related("subscription", "subscription__enterprise", "subscription__organization")
           .filter(digest=digest(token), expires_at__gt=timezone.now()).first())
    if row is None:
        return None
    sub = row.subscription
    if sub.state != SubscriptionState.APPROVED or not sub.secret_set_at or row.created_at < sub.secret_set_at:
        return None
    return sub
