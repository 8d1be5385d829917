"""Pages of the anti-fraud desk under /fraud/."""

from django.urls import path

from lianxin.antifraud import views, views_bank

app_name = "antifraud"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("check/", views.check, name="check"),
    path("check/pay/", views.check_pay, name="check_pay"),
    path("check/report/", views.check_report, name="check_report"),
    path("check/screenshot/", views.screenshot_upload, name="screenshot_upload"),
    path("check/screenshot/<str:token>/", views.screenshot_page, name="screenshot"),
    path("check/screenshot/<str:token>/status/", views.screenshot_status, name="screenshot_status"),
    path("screenshots/<int:pk>/", views.screenshot_image, name="screenshot_image"),
    path("records/", views.records, name="records"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/panel/", views.warning_panel, name="warning_panel"),
    path("warnings/new/", views.warning_new, name="warning_new"),
    path("warnings/import/", views.warning_import, name="warning_import"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/ack/", views.warning_ack, name="warning_ack"),
    path("warnings/<int:pk>/outcome/", views.warning_outcome, name="warning_outcome"),
    path("clinic/", views.clinic, name="clinic"),
    path("blacklist/", views.blacklist, name="blacklist"),
    path("blacklist/import/", views.blacklist_import, name="blacklist_import"),
    path("blacklist/<int:pk>/review/", views.blacklist_review, name="blacklist_review"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/delete/", views.campaign_delete, name="campaign_delete"),
    path("videos/", views.video_list, name="videos"),
    path("v/<int:pk>/", views.campaign_play, name="campaign_play"),
    path("v/<int:pk>/file", views.campaign_video, name="campaign_video"),
    path("v/<int:pk>/viewed/", views.campaign_viewed, name="campaign_viewed"),
    # the police–bank channel
    path("losses/", views_bank.loss_list, name="losses"),
    path("losses/new/", views_bank.loss_new, name="loss_new"),
    path("losses/<int:pk>/", views_bank.loss_detail, name="loss"),
    path("losses/<int:pk>/transfers/", views_bank.loss_transfer_add, name="loss_transfer_add"),
    path(
        "losses/<int:pk>/transfers/<int:transfer_pk>/account/",
        views_bank.transfer_account_reveal,
        name="transfer_account_reveal",
    ),
    path("losses/<int:pk>/requests/", views_bank.bank_request_new, name="bank_request_new"),
    path("losses/<int:pk>/ledgers/", views_bank.loss_ledger_upload, name="loss_ledger_upload"),
    path("losses/<int:pk>/refunds/", views_bank.refund_add, name="refund_add"),
    path("losses/<int:pk>/write-off/", views_bank.loss_write_off, name="loss_write_off"),
    path("bank/", views_bank.bank_inbox, name="bank_inbox"),
    path("bank/requests/<int:pk>/", views_bank.bank_request_detail, name="bank_request"),
    path("bank/requests/<int:pk>/renew/", views_bank.bank_request_renew, name="bank_request_renew"),
    path("ledgers/<int:pk>/", views_bank.ledger_detail, name="ledger"),
    path("ledgers/<int:pk>/trace/", views_bank.ledger_trace, name="ledger_trace"),
    path("traces/<int:pk>/", views_bank.trace_detail, name="trace"),
    path("traces/<int:pk>/stop/", views_bank.trace_stop, name="trace_stop"),
    path("traces/<int:pk>/refunds/", views_bank.trace_refunds, name="trace_refunds"),
    path("traces/<int:pk>/export.xlsx", views_bank.trace_export, name="trace_export"),
    path("traces/<int:pk>/export.pdf", views_bank.trace_export_pdf, name="trace_export_pdf"),
]
