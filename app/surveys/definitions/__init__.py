"""The questionnaire format: YAML reading and writing, the schema, loading the library into the
database, and the cached structure of a stored version (docs/questionnaires.md)."""
