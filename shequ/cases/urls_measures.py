from django.urls import path

from shequ.cases import views_measures

app_name = "measures"
urlpatterns = [path("", views_measures.measures, name="index")]
