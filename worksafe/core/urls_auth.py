from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_account as views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/recovery-codes/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("otp/disable/", views.otp_disable, name="otp_disable"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
]
