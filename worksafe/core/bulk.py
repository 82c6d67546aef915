"""Writing many rows at once (bulk uploads), written once: `insert` new objects, `update` changed ones.

PostgreSQL inserts with COPY: Django's bulk_create sends each column as an array, which psycopg builds in Python,
escaping every quote of every JSON and text value (a batch of 1,000 hazards with their change records: ~1 s of
1.2 s, bench/api.py); COPY's rows are formatted by psycopg's C code. Ids are taken from the table's sequence first,
so the objects know their primary keys as bulk_create's would. Other databases get bulk_create. Updates are one
parameterised UPDATE per row sent with executemany (psycopg pipelines them), where Django's bulk_update builds a
CASE WHEN per row and field (~4 s for 1,000 hazards). Values the driver takes as they are (text, numbers, dates,
aware datetimes, foreign key ids: PostgreSQL's driver) skip Django's per-value preparation. No signals are sent: callers do what the
signals would (audit records, derived counts).
"""
from operator import attrgetter

from django.db import connections, models, router

# Field classes whose Python values the drivers adapt directly (subclasses included).
PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.DateField,
         models.DecimalField, models.FloatField, models.ForeignKey)  # auto ids are IntegerFields, datetimes DateFields


def _getter(field, connection, adding):
    """A function obj → the value to send for `field`."""
    if getattr(field, "auto_now", False) or (adding and getattr(field, "auto_now_add", False)):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, adding), connection)
    if connection.vendor == "postgresql" and isinstance(field, PLAIN) and not isinstance(field, models.FileField):
        return attrgetter(field.attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, adding), connection)


def insert(model, objs):
    """Insert the unsaved `objs` of `model`; their primary keys are set. Returns `objs`."""
    objs = list(objs)
    if not objs:
        return objs
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_create(objs)
    meta, pk = model._meta, model._meta.pk
    fields = meta.concrete_fields
    getters = [_getter(f, connection, True) for f in fields]
    with connection.cursor() as cursor:
        missing = [obj for obj in objs if obj.pk is None]
        if missing:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, pk.column, len(missing)])
            for obj, (value,) in zip(missing, cursor.fetchall(), strict=False):
                obj.pk = value
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([get(obj) for get in getters])
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias
    return objs


def update(model, objs, names):
    """Write the fields `names` (plus any auto_now field) of the saved `objs` of `model`."""
    objs = list(objs)
    if not objs:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f.name in names or f.attname in names or getattr(f, "auto_now", False)]
    getters = [_getter(f, connection, False) for f in fields]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
           f"WHERE {quote(meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[get(obj) for get in getters] + [obj.pk] for obj in objs])
