from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("clubs/<slug:slug>/import/", views.import_start, name="import-start"),
    path("clubs/<slug:slug>/import/template.csv", views.import_template, name="import-template"),
    path("clubs/<slug:slug>/import/<int:job_id>/", views.import_preview, name="import-preview"),
    path("clubs/<slug:slug>/import/<int:job_id>/confirm/", views.import_confirm, name="import-confirm"),
    path("clubs/<slug:slug>/members/export.csv", views.member_export, name="member-export"),
    path("import/welcome/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
