from django.urls import path, re_path

from shequ.open311 import views

app_name = "open311"

urlpatterns = [
    re_path(r"^v2/discovery\.(?P<fmt>\w+)$", views.discovery, name="discovery"),
    re_path(r"^v2/services\.(?P<fmt>\w+)$", views.services, name="services"),
    re_path(
        r"^v2/services/(?P<code>[^/.]{1,20})\.(?P<fmt>\w+)$",
        views.service_definition,
        name="service",
    ),
    re_path(r"^v2/requests\.(?P<fmt>\w+)$", views.requests, name="requests"),
    re_path(
        r"^v2/requests/(?P<number>[^/.]{1,20})\.(?P<fmt>\w+)$",
        views.request_detail,
        name="request",
    ),
    re_path(r"^v2/tokens/(?P<value>[^/.]{1,20})\.(?P<fmt>\w+)$", views.token, name="token"),
    path("v2/media/<int:pk>/<str:digest>", views.media, name="media"),
    path("keys/", views.keys, name="keys"),
    path("keys/<int:pk>/active/", views.key_active, name="key_active"),
]
