"""The respondent's side: the pages under ``/s/<token>``, the form, storing a response and the
answer rows it becomes."""
