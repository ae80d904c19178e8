from django.urls import path

from shequ.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("t/", views.find, name="find"),
    path("t/<str:code>/", views.track, name="track"),
    path("t/<str:code>/rate/", views.rate, name="rate"),
    path("t/<str:code>/photos/<int:pk>/", views.photo, name="photo"),
    path("account/new/", views.sign_up, name="sign_up"),
    path("account/login/", views.sign_in, name="sign_in"),
    path("account/logout/", views.sign_out, name="sign_out"),
    path("mine/", views.mine, name="mine"),
    path("replies/", views.replies, name="replies"),
    path("replies/<int:pk>/", views.reply_detail, name="reply"),
    path("staff/replies/", views.staff_replies, name="staff_replies"),
    path("staff/replies/case/<int:case_pk>/", views.staff_reply_edit, name="staff_reply_edit"),
    path(
        "staff/replies/<int:pk>/withdraw/", views.staff_reply_withdraw, name="staff_reply_withdraw"
    ),
]
