from django.urls import path

from shequ.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.register_home, name="home"),
    path("areas/<int:pk>/buildings/new/", views.building_new, name="building_new"),
    path("residents/", views.resident_list, name="residents"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="reveal"),
    path("residents/<int:pk>/phone/", views.resident_phone, name="resident_phone"),
    path("residents/<int:pk>/move-out/", views.resident_move_out_view, name="resident_move_out"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("buildings/<int:pk>/labels/", views.building_labels, name="labels"),
    path("buildings/<int:pk>/head/", views.building_head, name="building_head"),
    path("buildings/<int:pk>/houses/new/", views.house_new, name="house_new"),
    path("houses/<int:pk>/", views.house_detail, name="house"),
    path("houses/<int:pk>/households/new/", views.household_new, name="household_new"),
    path("houses/<int:pk>/units/new/", views.unit_new, name="unit_new"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/move-out/", views.household_move_out_view, name="household_move_out"),
    path("households/<int:pk>/move-in/", views.household_move_in_view, name="household_move_in"),
    path("households/<int:pk>/visits/", views.visit_new, name="visit_new"),
    path("households/<int:pk>/code/", views.household_code_renew_view, name="code_renew"),
    path("households/<int:pk>/party-center/", views.household_party_center, name="party_center"),
    path("households/<int:pk>/rejoin/", views.household_rejoin, name="household_rejoin"),
]
