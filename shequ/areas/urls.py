from django.urls import path

from shequ.areas import views

app_name = "areas"
urlpatterns = [
    path("", views.area_index, name="index"),
    path("import/", views.area_import, name="import"),
    path("<int:pk>/", views.area_detail, name="detail"),
    path("<int:pk>/map.geojson", views.area_map, name="map"),
    path("<int:pk>/staff/", views.area_staff, name="staff"),
    path("<int:pk>/retire/", views.area_retire_view, name="retire"),
    path("<int:pk>/departments/new/", views.department_new, name="department_new"),
    path("<int:pk>/organizations/new/", views.organization_new, name="organization_new"),
    path("<int:pk>/export.geojson", views.area_export, name="export"),
]
