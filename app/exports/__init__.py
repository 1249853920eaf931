"""Every CSV/XLSX download of a campaign: row builders, writers, web routes, ``anketa export``."""
