"""gunicorn settings of a production server: ``make serve`` and the systemd unit of
docs/deployment.md pass ``--config gunicorn.conf.py`` (gunicorn also reads this file by itself
when it is started in this folder).

- Refuses to start, in one line on stderr and exit status 1, without a valid
  ``ANKETA_BASE_URL``: the links printed on the A4 sheet and in QR codes use it.
- No access log; the error log never holds a client address or a respondent token
  (``app/gunicorn_log.py``). The app logs each request itself (``app/request_log.py``).

Workers and the address come from the command line (``make serve`` computes them).
"""

import sys

from app.config import ConfigError, check_production

try:
    check_production()
except ConfigError as error:
    sys.exit(f"Anketa: {error}")

wsgi_app = "app:create_app()"
logger_class = "app.gunicorn_log.PrivateLogger"
accesslog = None
errorlog = "-"
timeout = 60
graceful_timeout = 30
forwarded_allow_ips = "127.0.0.1"
