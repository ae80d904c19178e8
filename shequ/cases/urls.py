from django.urls import path

from shequ.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("work/", views.work, name="work"),
    path("board/", views.board, name="board"),
    path("export/", views.case_export, name="export"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/reveal/", views.case_reveal, name="reveal"),
    path("<int:pk>/act/<slug:action>/", views.case_action, name="act"),
    path("photos/<int:pk>/", views.case_photo, name="photo"),
]
