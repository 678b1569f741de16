"""The follow-up form of the web app: ``<office>/oppfolging.yaml`` edited in the browser.

Work in progress: the follow-up checklist's questions and one fieldset per finding to
follow up (from :func:`kvp_audit.followup.followup_items`), saved with the same machinery
as the case and office forms (:mod:`kvp_audit.web.reviews`).
"""
