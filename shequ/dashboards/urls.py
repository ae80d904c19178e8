from django.urls import path

from shequ.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.screen_index, name="index"),
    path("<int:pk>/", views.screen_page, name="screen"),
    path("<int:pk>/data.json", views.screen_data, name="screen_data"),
    path("department/", views.department_ranking, name="department"),
    path("map/<int:pk>/", views.map_page, name="map"),
    path("map/<int:pk>/areas.json", views.map_areas, name="map_areas"),
    path("map/<int:pk>/buildings.json", views.map_buildings, name="map_buildings"),
    path("map/<int:pk>/cases.json", views.map_cases, name="map_cases"),
    path("panel/area/<int:pk>/", views.area_panel, name="area_panel"),
    path("panel/case/<int:pk>/", views.case_panel, name="case_panel"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_page, name="report"),
    path("reports/<int:pk>.xlsx", views.report_xlsx, name="report_xlsx"),
]
