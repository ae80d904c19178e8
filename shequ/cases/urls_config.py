"""Pages where administrators keep the case engine's data files: the category list and the
holiday calendar (mounted at /settings/cases/)."""

from django.urls import path

from shequ.cases import views_config

app_name = "cases_config"
urlpatterns = [
    path("", views_config.settings_home, name="home"),
    path("categories.json", views_config.categories_download, name="categories_download"),
    path("categories/import/", views_config.categories_upload, name="categories_upload"),
    path("calendar.json", views_config.calendar_download, name="calendar_download"),
    path("calendar/import/", views_config.calendar_upload, name="calendar_upload"),
]
