from django.urls import path

from shequ.cases import views_inbox

app_name = "inbox"
urlpatterns = [
    path("", views_inbox.inbox, name="list"),
    path("<int:pk>/read/", views_inbox.inbox_read, name="read"),
    path("read-all/", views_inbox.inbox_read_all, name="read_all"),
]
