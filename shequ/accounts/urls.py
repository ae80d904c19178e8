from django.urls import path

from shequ.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/otp/", views.otp_view, name="otp"),
    path("accounts/password/", views.password_change, name="password"),
    path("manage/users/", views.user_list, name="users"),
    path("manage/users/new/", views.user_new, name="user_new"),
    path("manage/users/<int:pk>/", views.user_detail, name="user"),
    path("manage/users/<int:pk>/active/", views.user_active_view, name="user_active"),
    path("manage/users/<int:pk>/password/", views.user_password_view, name="user_password"),
    path("manage/users/<int:pk>/unlock/", views.user_unlock_view, name="user_unlock"),
    path("manage/users/<int:pk>/otp-reset/", views.user_otp_reset_view, name="user_otp_reset"),
    path(
        "manage/users/<int:pk>/memberships/<int:membership_id>/end/",
        views.membership_end_view,
        name="membership_end",
    ),
]
