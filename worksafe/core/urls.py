"""Core's routes: one's own account (/accounts/, Django's auth URLs live there), one's notifications
(/notifications/), 通讯录 (/directory/) and 系统管理 (/system/).

Included at the root: the two prefixes are kept as they always were, each wrapping its own list."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import (
    views,
    views_account,
    views_directory,
    views_jobs,
    views_notifications,
    views_organizations,
    views_refdata,
    views_roles,
    views_system,
    views_users,
    views_workflow,
)

app_name = "core"
urlpatterns = [
    # views_account: logging in and out, the password, the profile, the second factor, one's sessions
    path("accounts/", include([
        path("login/", views_account.LoginView.as_view(), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("password/", views_account.PasswordChangeView.as_view(), name="password_change"),
        path("profile/", views_account.profile, name="profile"),
        path("otp/", views_account.otp_verify, name="otp_verify"),
        path("otp/setup/", views_account.otp_setup, name="otp_setup"),
        path("otp/recovery-codes/", views_account.otp_recovery_codes, name="otp_recovery_codes"),
        path("otp/disable/", views_account.otp_disable, name="otp_disable"),
        path("sessions/<int:pk>/end/", views_account.session_end, name="session_end"),
        path("impersonation/stop/", views_account.impersonation_stop, name="impersonation_stop"),
    ])),
    # views_jobs: one's background jobs (core.jobs)
    path("jobs/", include([
        path("", views_jobs.job_list, name="job_list"),
        path("<uuid:pk>/", views_jobs.job_detail, name="job_detail"),
        path("<uuid:pk>/result/", views_jobs.job_result, name="job_result"),
    ])),
    # views_notifications: one's own notifications (the bell)
    path("notifications/", include([
        path("", views_notifications.notification_list, name="notification_list"),
        path("<int:pk>/", views_notifications.notification_open, name="notification_open"),
        path("read-all/", views_notifications.notification_read_all, name="notification_read_all"),
    ])),
    # views_directory: 通讯录, the organisations and contacts one may see
    path("directory/", views_directory.directory_list, name="directory_list"),
    # 系统管理: accounts (views_users), roles (views_roles), the system's status, and the logs (views)
    path("system/", include([
        path("users/", views_users.user_list, name="user_list"),
        path("users/add/", views_users.user_add, name="user_add"),
        path("users/<int:pk>/", views_users.user_detail, name="user_detail"),
        path("users/<int:pk>/edit/", views_users.user_edit, name="user_edit"),
        path("users/<int:pk>/disable/", views_users.user_disable, name="user_disable"),
        path("users/<int:pk>/enable/", views_users.user_enable, name="user_enable"),
        path("users/<int:pk>/delete/", views_users.user_delete, name="user_delete"),
        path("users/<int:pk>/reset-password/", views_users.user_reset_password, name="user_reset_password"),
        path("users/<int:pk>/unlock/", views_users.user_unlock, name="user_unlock"),
        path("users/<int:pk>/reset-otp/", views_users.user_reset_otp, name="user_reset_otp"),
        path("organizations/", views_organizations.organization_list, name="organization_list"),
        path("organizations/add/", views_organizations.organization_edit, name="organization_add"),
        path("organizations/<int:pk>/edit/", views_organizations.organization_edit, name="organization_edit"),
        path("organizations/<int:pk>/merge/", views_organizations.organization_merge, name="organization_merge"),
        path("organizations/<int:pk>/<str:action>/", views_organizations.organization_state, name="organization_state"),
        path("roles/", views_roles.role_list, name="role_list"),
        path("roles/add/", views_roles.role_edit, name="role_add"),
        path("roles/<int:pk>/edit/", views_roles.role_edit, name="role_edit"),
        path("roles/<int:pk>/delete/", views_roles.role_delete, name="role_delete"),
        path("status/", views_system.system_status, name="system_status"),
        path("login-log/", views.login_log, name="login_log_list"),
        path("login-log/export/", views.login_log_export, name="login_log_export"),
        path("operations/", views.operation_log, name="operation_log_list"),
        path("operations/export/", views.operation_log_export, name="operation_log_export"),
        # views_workflow: 流程设置, the settings the modules declare to the workflow engine
        path("workflow/", views_workflow.workflow_setting_list, name="workflow_setting_list"),
        path("workflow/<str:key>/", views_workflow.workflow_setting_edit, name="workflow_setting_edit"),
        path("workflow/<str:key>/reset/", views_workflow.workflow_setting_reset, name="workflow_setting_reset"),
        # views_refdata: 参考数据, every reference table registered with core.refdata
        path("reference/", views_refdata.refdata_list, name="refdata_list"),
        path("reference/<str:key>/", views_refdata.refdata_table, name="refdata_table"),
        path("reference/<str:key>/add/", views_refdata.refdata_edit, name="refdata_add"),
        path("reference/<str:key>/import/", views_refdata.refdata_import, name="refdata_import"),
        path("reference/<str:key>/template/", views_refdata.refdata_template, name="refdata_template"),
        path("reference/<str:key>/export/", views_refdata.refdata_export, name="refdata_export"),
        path("reference/<str:key>/<str:code>/edit/", views_refdata.refdata_edit, name="refdata_edit"),
        path("reference/<str:key>/<str:code>/<str:action>/", views_refdata.refdata_state, name="refdata_state"),
    ])),
]
