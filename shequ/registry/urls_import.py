"""The register sheet import and the resident export. Include once, under the register's
prefix: ``path("registry/", include("shequ.registry.urls_import"))`` gives /registry/import/…
and /registry/export/…"""

from django.urls import path

from shequ.registry import views_import

app_name = "registry_import"
urlpatterns = [
    path("import/", views_import.import_new, name="new"),
    path("import/template.<str:fmt>", views_import.import_template, name="template"),
    path("import/<int:pk>/", views_import.import_job, name="job"),
    path("import/<int:pk>/commit/", views_import.import_commit, name="commit"),
    path("import/<int:pk>/cancel/", views_import.import_cancel, name="cancel"),
    path("export/residents.xlsx", views_import.export_residents, name="export"),
]
