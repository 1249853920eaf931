"""Exit 0 when the PostgreSQL server named by the URL in argv[1] accepts a connection."""

import sys

from sqlalchemy import create_engine, text


def main() -> int:
    try:
        engine = create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
