from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/add/", views.user_add, name="user_add"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-otp/", views.user_reset_otp, name="user_reset_otp"),
    path("login-log/", views.login_log, name="login_log"),
    path("operations/", views.operation_log, name="operation_log"),
]
