"""The workflow engine (core/workflow.py) on a toy: a ticket 待处理 → 处理中 → 已关闭, with its own history table.

The toy's models live in an app registry of their own (never migrated, never seen by makemigrations or by other
tests); their tables are created for this module and dropped after it.
"""
import os
import threading
import time
from unittest import mock

import pytest
from django.apps.registry import Apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, models, transaction

from worksafe.core import audit, workflow
from worksafe.core.models import AuditAction, ChangeRecord, User
from worksafe.core.workflow import Step

TOY = Apps()


class Ticket(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "待处理"
        WORKING = "working", "处理中"
        CLOSED = "closed", "已关闭"

    title = models.CharField(max_length=50)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    result = models.CharField(max_length=500, blank=True)

    class Meta:
        apps, app_label = TOY, "workflow_toy"

    def __str__(self):
        return self.title


class TicketStep(models.Model):
    ticket = models.ForeignKey(Ticket, models.CASCADE, related_name="steps")
    action = models.CharField(max_length=10)
    source = models.CharField(max_length=10)
    target = models.CharField(max_length=10)
    comment = models.CharField(max_length=500, blank=True)
    actor_name = models.CharField(max_length=150)

    class Meta:
        apps, app_label, ordering = TOY, "workflow_toy", ["id"]

    def __str__(self):
        return self.action


S = Ticket.State


def staff(user, ticket):
    return user.username in ("worker", "boss")


def boss(user, ticket):
    return user.username == "boss"


class TicketFlow(workflow.Workflow):
    model = Ticket
    steps = (
        Step("start", "开始处理", (S.OPEN,), S.WORKING, staff, audit=AuditAction.SUBMIT),
        Step("report", "填写结果", (S.WORKING,), None, staff, needs_comment=True),
        Step("reject", "退回", (S.WORKING,), S.OPEN, boss, needs_comment=True, audit=AuditAction.RETURN),
        Step("close", "关闭", (S.WORKING,), S.CLOSED, boss, audit=AuditAction.APPROVE),
        Step("reopen", "重新打开", (S.CLOSED,), S.OPEN, staff, offered=False),
    )

    def check(self, ticket, step, user, comment):
        if step.action == "close" and not ticket.result:
            raise ValidationError("请先填写处理结果。")

    def apply(self, ticket, step, user, comment):
        if step.action == "report":
            ticket.result = comment

    def record(self, ticket, step, user, comment, source):
        TicketStep.objects.create(ticket=ticket, action=step.action, source=source, target=ticket.state, comment=comment,
                                  actor_name=user.username)


FLOW = TicketFlow()


@pytest.fixture(scope="module")
def toy_tables(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(Ticket)
            editor.create_model(TicketStep)
    # Audited while this module runs; forgotten after (the change log's filter lists the audited models).
    with mock.patch.dict(audit._registry):
        audit.register(Ticket)
        yield
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.delete_model(TicketStep)
            editor.delete_model(Ticket)


@pytest.fixture(autouse=True)
def _fresh_content_types():
    # The toy's content type is made inside a test's transaction, rolled back with it: forget the cached id.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def people(db, toy_tables):
    return {name: User.objects.create(username=name) for name in ("worker", "boss", "outsider")}


def ticket(state=S.OPEN, **fields):
    return Ticket.objects.create(title="灭火器过期", state=state, **fields)


def changes(t):
    """The ticket's change log after its creation."""
    return (ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Ticket), object_id=str(t.pk))
            .exclude(action=AuditAction.CREATE))


def nothing_written(t, state):
    t.refresh_from_db()
    return t.state == state and not t.steps.exists() and not changes(t).exists()


def test_it_moves_the_state_keeps_a_history_row_and_an_audit_record(people):
    t = ticket()
    done = FLOW.perform(t, "start", people["worker"], "  今天处理  ")
    assert done.state == S.WORKING
    t.refresh_from_db()
    assert t.state == S.WORKING
    assert list(t.steps.values_list("action", "source", "target", "comment", "actor_name")) == [
        ("start", "open", "working", "今天处理", "worker")]
    [change] = changes(t)
    assert (change.action, change.message, change.user) == (AuditAction.SUBMIT, "开始处理：今天处理", people["worker"])
    assert (change.before, change.after) == ({"state": "open"}, {"state": "working"})


def test_a_step_without_a_target_changes_the_record_but_not_the_state(people):
    t = ticket(S.WORKING)
    FLOW.perform(t, "report", people["worker"], "已更换")
    t.refresh_from_db()
    assert (t.state, t.result) == (S.WORKING, "已更换")
    assert list(t.steps.values_list("source", "target")) == [("working", "working")]


def test_it_refuses_a_step_from_another_state_and_writes_nothing(people):
    t = ticket()
    with pytest.raises(ValidationError) as refused:
        FLOW.perform(t, "close", people["boss"])
    assert refused.value.code == "state"
    assert refused.value.messages == ["当前状态为“待处理”，不能关闭。"]
    assert nothing_written(t, S.OPEN)


def test_it_checks_the_state_on_the_row_as_it_is_now_not_as_the_caller_loaded_it(people):
    """A stale page: the caller's copy says 待处理, a colleague has started it meanwhile."""
    t = ticket()
    Ticket.objects.filter(pk=t.pk).update(state=S.WORKING)
    with pytest.raises(ValidationError, match="当前状态为“处理中”，不能开始处理"):
        FLOW.perform(t, "start", people["worker"])
    assert not t.steps.exists()


def test_it_refuses_those_who_may_not_and_unknown_steps(people):
    t = ticket(S.WORKING, result="已更换")
    with pytest.raises(PermissionDenied):
        FLOW.perform(t, "close", people["worker"])
    with pytest.raises(PermissionDenied):
        FLOW.perform(t, "report", people["outsider"], "x")
    with pytest.raises(PermissionDenied):
        FLOW.perform(t, "delete", people["boss"])
    assert nothing_written(t, S.WORKING)


def test_the_state_is_told_before_the_actor_is_refused(people):
    t = ticket(S.CLOSED)
    with pytest.raises(ValidationError, match="不能开始处理"):
        FLOW.perform(t, "start", people["outsider"])


def test_a_step_that_needs_a_comment_refuses_none_or_too_long_a_one(people):
    t = ticket(S.WORKING)
    with pytest.raises(ValidationError) as refused:
        FLOW.perform(t, "reject", people["boss"], "   ")
    assert (refused.value.code, refused.value.messages) == ("comment", ["退回须填写原因。"])
    with pytest.raises(ValidationError) as refused:
        FLOW.perform(t, "report", people["boss"], "长" * 501)
    assert (refused.value.code, refused.value.messages) == ("comment", ["意见不能超过 500 字。"])
    assert nothing_written(t, S.WORKING)
    FLOW.perform(t, "reject", people["boss"], "照片不清楚")
    t.refresh_from_db()
    assert t.state == S.OPEN
    assert [c.message for c in changes(t)] == ["退回：照片不清楚"]


def test_the_models_own_conditions_refuse_with_their_message(people):
    t = ticket(S.WORKING)
    with pytest.raises(ValidationError, match="请先填写处理结果"):
        FLOW.perform(t, "close", people["boss"])
    assert nothing_written(t, S.WORKING)


def test_it_offers_the_steps_of_the_state_the_user_may_take(people):
    working, closed = ticket(S.WORKING), ticket(S.CLOSED)
    assert [s.action for s in FLOW.available(people["worker"], working)] == ["report"]
    assert [s.action for s in FLOW.available(people["boss"], working)] == ["report", "reject", "close"]
    assert FLOW.available(people["outsider"], working) == []
    # A step the code takes (offered=False) is never a button, but may be taken.
    assert FLOW.available(people["worker"], closed) == [] and FLOW.can(people["worker"], closed, "reopen")
    assert not FLOW.can(people["worker"], working, "close") and not FLOW.can(people["boss"], working, "nothing")


def test_perform_many_takes_the_step_where_it_may_and_skips_the_rest(people):
    a, b, closed = ticket(), ticket(), ticket(S.CLOSED)
    done, skipped = FLOW.perform_many(Ticket.objects.filter(pk__in=[a.pk, b.pk, closed.pk]), "start", people["worker"])
    assert sorted(t.pk for t in done) == [a.pk, b.pk] and [t.pk for t in skipped] == [closed.pk]
    assert list(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True).distinct()) == [S.WORKING]
    assert TicketStep.objects.filter(ticket__in=[a, b]).count() == 2 and not closed.steps.exists()

    done, skipped = FLOW.perform_many(Ticket.objects.filter(pk__in=[a.pk, b.pk]), "close", people["outsider"])
    assert done == [] and len(skipped) == 2
    with pytest.raises(ValidationError, match="退回须填写原因"):
        FLOW.perform_many(Ticket.objects.filter(pk__in=[a.pk, b.pk]), "reject", people["boss"])
    assert TicketStep.objects.filter(ticket__in=[a, b]).count() == 2


def test_performed_is_sent_once_the_step_is_committed(people, django_capture_on_commit_callbacks):
    heard = []

    def listen(sender, obj, step, user, comment, source, **kwargs):
        heard.append((sender, obj.pk, step.action, user.username, comment, source, kwargs["workflow"]))

    workflow.performed.connect(listen, sender=Ticket)
    try:
        t = ticket()
        with django_capture_on_commit_callbacks(execute=True):
            FLOW.perform(t, "start", people["worker"], "马上去")
            assert heard == []  # not before the commit
        assert heard == [(Ticket, t.pk, "start", "worker", "马上去", "open", FLOW)]

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(PermissionDenied):
                FLOW.perform(t, "close", people["worker"])
            with pytest.raises(RuntimeError), transaction.atomic():
                FLOW.perform(t, "report", people["worker"], "已更换")
                raise RuntimeError  # rolled back: never heard of
        assert callbacks == [] and len(heard) == 1
    finally:
        workflow.performed.disconnect(listen, sender=Ticket)


@pytest.mark.skipif(os.environ.get("WORKSAFE_TEST_DB") != "postgres", reason="row locks: PostgreSQL (SQLite serialises writers itself)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_requests_taking_the_same_step_at_once_take_it_once(toy_tables):
    """The second waits for the first's row lock, then sees the new state: one step taken, one refused."""
    worker = User.objects.create(username="worker")
    t = ticket()
    holding = threading.Event()
    outcomes = {}

    class Holding(TicketFlow):
        def check(self, ticket, step, user, comment):
            holding.set()
            # Keep the lock until another request is seen waiting for one (at most 10 s: without a lock nobody
            # waits, and both steps go through).
            deadline = time.monotonic() + 10
            with connection.cursor() as cursor:
                while time.monotonic() < deadline:
                    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")  # live (pg_stat_activity is a snapshot)
                    if cursor.fetchone()[0]:
                        return
                    time.sleep(0.05)

    def take(name, flow):
        try:
            flow.perform(t, "start", worker)
            outcomes[name] = "done"
        except ValidationError as e:
            outcomes[name] = e.code
        finally:
            connections.close_all()

    first = threading.Thread(target=take, args=("first", Holding()))
    first.start()
    assert holding.wait(10)
    second = threading.Thread(target=take, args=("second", FLOW))
    second.start()
    first.join(30)
    second.join(30)
    assert outcomes == {"first": "done", "second": "state"}
    assert list(t.steps.values_list("action", flat=True)) == ["start"]
