"""Questionnaires: their format and library (``definitions``) and the respondent's pages
(``respondent``)."""
