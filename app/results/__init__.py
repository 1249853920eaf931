"""Campaign results: counts from the database (GROUP BY), handed to app.analysis."""
