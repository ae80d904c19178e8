from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView

from shequ.accounts import api as accounts_api
from shequ.accounts import api_manage
from shequ.accounts.decorators import public
from shequ.areas import api as areas_api
from shequ.cases import api as cases_api
from shequ.cases import api_export, api_inbox, api_measures, api_webhooks
from shequ.core import views as core_views
from shequ.open311 import api as open311_api
from shequ.portal import api as portal_api
from shequ.registry import api as registry_api
from shequ.registry import api_import, api_places
from shequ.registry import views as registry_views

api_v1 = [
    path("me/", accounts_api.Me.as_view(), name="me"),
    # Accounts, for administrators (shequ/accounts/api_manage.py).
    path("users/", api_manage.UserList.as_view(), name="users"),
    path("users/<int:pk>/", api_manage.UserDetail.as_view(), name="user"),
    path("users/<int:pk>/memberships/", api_manage.UserMemberships.as_view(), name="memberships"),
    path(
        "users/<int:pk>/memberships/<int:membership_id>/end/",
        api_manage.MembershipEnd.as_view(),
        name="membership_end",
    ),
    path("users/<int:pk>/active/", api_manage.UserActive.as_view(), name="user_active"),
    path("users/<int:pk>/password/", api_manage.UserPassword.as_view(), name="user_password"),
    path("users/<int:pk>/unlock/", api_manage.UserUnlock.as_view(), name="user_unlock"),
    path(
        "users/<int:pk>/otp-reset/",
        api_manage.UserSecondFactorReset.as_view(),
        name="user_otp_reset",
    ),
    path("areas/", areas_api.AreaList.as_view(), name="areas"),
    path("areas/import/", areas_api.AreaImport.as_view(), name="area_import"),
    path("areas/<int:pk>/", areas_api.AreaDetail.as_view(), name="area"),
    path("areas/<int:pk>/staff/", areas_api.AreaStaff.as_view(), name="area_staff"),
    path("areas/<int:pk>/retire/", areas_api.AreaRetire.as_view(), name="area_retire"),
    path(
        "areas/<int:pk>/departments/",
        areas_api.AreaDepartmentNew.as_view(),
        name="department_new",
    ),
    path(
        "areas/<int:pk>/organizations/",
        areas_api.AreaOrganizationNew.as_view(),
        name="organization_new",
    ),
    path("departments/", areas_api.DepartmentList.as_view(), name="departments"),
    path("organizations/", areas_api.OrganizationList.as_view(), name="organizations"),
    path("measures/", api_measures.MeasuresView.as_view(), name="measures"),
    path("residents/", registry_api.ResidentList.as_view(), name="residents"),
    path("residents/<int:pk>/", registry_api.ResidentDetail.as_view(), name="resident"),
    path("residents/<int:pk>/phone/", registry_api.ResidentPhone.as_view(), name="resident_phone"),
    path(
        "residents/<int:pk>/move-out/",
        registry_api.ResidentMoveOut.as_view(),
        name="resident_move_out",
    ),
    path(
        "residents/<int:pk>/reveal/", registry_api.ResidentReveal.as_view(), name="resident_reveal"
    ),
    path("households/<int:pk>/", registry_api.HouseholdDetail.as_view(), name="household"),
    path(
        "households/<int:pk>/members/",
        registry_api.HouseholdMemberNew.as_view(),
        name="household_member_new",
    ),
    # The register's places (shequ/registry/api_places.py).
    path("residents/<int:pk>/edit/", api_places.ResidentEdit.as_view(), name="resident_edit"),
    path("areas/<int:pk>/buildings/", api_places.AreaBuildings.as_view(), name="area_buildings"),
    path("buildings/<int:pk>/", api_places.BuildingDetail.as_view(), name="building"),
    path("buildings/<int:pk>/head/", api_places.BuildingHead.as_view(), name="building_head"),
    path("buildings/<int:pk>/houses/", api_places.BuildingHouses.as_view(), name="house_new"),
    path("houses/<int:pk>/", api_places.HouseDetail.as_view(), name="house"),
    path(
        "houses/<int:pk>/households/",
        api_places.HouseHouseholds.as_view(),
        name="household_new",
    ),
    path("houses/<int:pk>/units/", api_places.HouseUnits.as_view(), name="unit_new"),
    path(
        "households/<int:pk>/move-out/",
        api_places.HouseholdMoveOut.as_view(),
        name="household_move_out",
    ),
    path(
        "households/<int:pk>/move-in/",
        api_places.HouseholdMoveIn.as_view(),
        name="household_move_in",
    ),
    path("households/<int:pk>/visits/", api_places.HouseholdVisits.as_view(), name="visits"),
    path("households/<int:pk>/code/", api_places.HouseholdCodeRenew.as_view(), name="code_renew"),
    path(
        "households/<int:pk>/party-center/",
        api_places.HouseholdPartyCenter.as_view(),
        name="party_center",
    ),
    path(
        "households/<int:pk>/rejoin/",
        api_places.HouseholdRejoin.as_view(),
        name="household_rejoin",
    ),
    # Register sheets in and out (shequ/registry/api_import.py).
    path("imports/", api_import.ImportJobs.as_view(), name="imports"),
    path("imports/<int:pk>/", api_import.ImportJobDetail.as_view(), name="import"),
    path("imports/<int:pk>/commit/", api_import.ImportCommit.as_view(), name="import_commit"),
    path("imports/<int:pk>/cancel/", api_import.ImportCancel.as_view(), name="import_cancel"),
    path("residents/export/", api_import.ResidentExport.as_view(), name="resident_export"),
    # Cases (shequ/cases/api.py).
    path("cases/", cases_api.CaseListCreate.as_view(), name="cases"),
    path("cases/export/", api_export.CaseExport.as_view(), name="case_export"),
    path("cases/<int:pk>/", cases_api.CaseDetail.as_view(), name="case"),
    path("cases/<int:pk>/events/", cases_api.CaseEvents.as_view(), name="case_events"),
    path("cases/<int:pk>/actions/<str:action>/", cases_api.CaseAct.as_view(), name="case_action"),
    path("cases/<int:pk>/reveal/", cases_api.CaseReveal.as_view(), name="case_reveal"),
    path("categories/", cases_api.CategoryTree.as_view(), name="case_categories"),
    path("categories/export/", cases_api.CategoryExport.as_view(), name="case_categories_export"),
    path("categories/import/", cases_api.CategoryImport.as_view(), name="case_categories_import"),
    path("calendar/export/", cases_api.CalendarExport.as_view(), name="case_calendar_export"),
    path("calendar/import/", cases_api.CalendarImport.as_view(), name="case_calendar_import"),
    path("notifications/", api_inbox.NotificationList.as_view(), name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        api_inbox.NotificationRead.as_view(),
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        api_inbox.NotificationReadAll.as_view(),
        name="notifications_read_all",
    ),
    # Open311 keys and public replies (shequ/open311/api.py, shequ/portal/api.py).
    path("open311-keys/", open311_api.ApiKeyList.as_view(), name="open311_keys"),
    path(
        "open311-keys/<int:pk>/active/",
        open311_api.ApiKeyActive.as_view(),
        name="open311_key_active",
    ),
    path("replies/", portal_api.StaffReplies.as_view(), name="replies"),
    path("cases/<int:case_pk>/reply/", portal_api.CaseReply.as_view(), name="case_reply"),
    path("replies/<int:pk>/withdraw/", portal_api.ReplyWithdraw.as_view(), name="reply_withdraw"),
    path("webhooks/", api_webhooks.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", api_webhooks.WebhookDetail.as_view(), name="webhook"),
    path(
        "webhooks/<int:pk>/deactivate/",
        api_webhooks.WebhookDeactivate.as_view(),
        name="webhook_deactivate",
    ),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health", core_views.health, name="health"),
    path("audit/", core_views.audit_log, name="audit"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("i18n/catalog.js", public(JavaScriptCatalog.as_view()), name="js_catalog"),
    path("", include("shequ.accounts.urls")),
    path("areas/", include("shequ.areas.urls")),
    path("registry/", include("shequ.registry.urls")),
    path("registry/", include("shequ.registry.urls_import")),
    path("cases/", include("shequ.cases.urls")),
    path("inbox/", include("shequ.cases.urls_inbox")),
    path("webhooks/", include("shequ.cases.urls_webhooks")),
    path("screen/", include("shequ.dashboards.urls")),
    path("h/<str:token>/", registry_views.scan, name="scan"),
    path("portal/", include("shequ.portal.urls")),
    path("open311/", include("shequ.open311.urls")),
    path("settings/cases/", include("shequ.cases.urls_config")),
    path("measures/", include("shequ.cases.urls_measures")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", public(SpectacularAPIView.as_view()), name="schema"),
]

handler404 = core_views.page_not_found
