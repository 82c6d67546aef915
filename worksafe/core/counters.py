"""Fixed-window event counters in the shared cache (settings.CACHES: the database cache every process sees).

Limits are written as settings write them: ((window seconds, count), ...), from "10/60,50/3600". Each window length
counts in buckets aligned to the epoch (bucket = now // window), so every process agrees where a window ends without
storing when it began, the key carries the bucket (a new window is a new key, old ones expire), and the wait is the
time to the end of the full bucket. At a bucket's edge a caller may get up to twice the count in one window's time:
the price of one cache entry per window instead of a list of times. Counting is read-then-write (the database cache has
no atomic increment, and Django's `incr` would reset the expiry): concurrent events may lose a count, so these bound
abuse to within the concurrency, they are no audit. Names must be safe cache keys: hash whatever a caller sent
(core.clients).
"""
import math
import time

from django.core.cache import cache


def clock():
    """Seconds since the epoch: the one clock every window is cut by (a test may move it)."""
    return time.time()


def _slots(name, limits, now):
    """(key, seconds left in the bucket, window, count) per window of `limits`."""
    for window, count in limits:
        bucket = int(now // window)
        yield f"counter:{name}:{window}:{bucket}", (bucket + 1) * window - now, window, count


def add(name, limits, now=None):
    """Count one event of `name` in every window of `limits`."""
    now = clock() if now is None else now
    slots = list(_slots(name, limits, now))
    seen = cache.get_many([key for key, *_ in slots])
    for key, left, _, _ in slots:
        cache.set(key, seen.get(key, 0) + 1, timeout=math.ceil(left) + 1)


def over(name, limits, now=None):
    """(seconds to wait, (window, count)) for the window of `limits` that `name` has filled and that frees up last;
    (0, None) when every window still has room."""
    now = clock() if now is None else now
    slots = list(_slots(name, limits, now))
    seen = cache.get_many([key for key, *_ in slots])
    worst = (0, None)
    for key, left, window, count in slots:
        if seen.get(key, 0) >= count:
            worst = max(worst, (math.ceil(left), (window, count)), key=lambda w: w[0])
    return worst


def tally(name, timeout):
    """Count one event of `name` with no window (e.g. what was left out), kept `timeout` seconds after the last."""
    key = f"tally:{name}"
    cache.set(key, cache.get(key, 0) + 1, timeout=timeout)


def take(name):
    """The tally of `name`, reset to nothing."""
    key = f"tally:{name}"
    value = cache.get(key, 0)
    if value:
        cache.delete(key)
    return value
