"""Pure analysis: counts in, frozen dataclasses out. Imports neither Flask nor the ORM."""
