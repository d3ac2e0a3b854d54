from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("account/privacy/", views.privacy_home, name="home"),
    path("account/privacy/consents/<int:club_id>/<str:purpose>/", views.consent_update, name="consent-update"),
    path("account/privacy/export/", views.export_request, name="export-request"),
    path("account/privacy/export/<str:token>/", views.export_download, name="export-download"),
    path("account/privacy/erase/", views.account_erase, name="erase"),
    path("account/erased/", views.account_erased, name="erased"),
]
