"""The questionnaire builder: the working group writes its own questionnaires in the browser."""
