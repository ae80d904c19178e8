from django.urls import path

from shequ.cases import views_webhooks

app_name = "webhooks"
urlpatterns = [
    path("", views_webhooks.webhook_list, name="list"),
    path("<int:pk>/", views_webhooks.webhook_detail, name="detail"),
    path("<int:pk>/deactivate/", views_webhooks.webhook_deactivate, name="deactivate"),
]
