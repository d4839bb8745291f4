# Kömek in a container. Build and run (see README, "Deploying"):
#   docker build -t komek .
#   docker run -d --name komek --restart unless-stopped --env-file komek.env \
#     -v komek-data:/app/data komek
# No secret is baked in: BOT_TOKEN and the rest come from the environment at `docker run`.

# The Python minor and the Debian release are pinned; patch releases (security fixes) follow.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////app/data/komek.sqlite3 \
    CONTENT_DIR=/app/content \
    LOCALES_DIR=/app/locales \
    PORT=8080
WORKDIR /app

# The code first, so a content-only change rebuilds only the layers below.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . && rm -rf build ./*.egg-info

COPY content ./content
COPY locales ./locales

# Refuse to build an image that would serve broken content.
RUN python -m bot check

# The code and content belong to root and are read-only to the bot; only /app/data is its own.
RUN useradd --system --uid 10001 --home-dir /app --no-create-home komek \
    && mkdir -p /app/data && chown komek:komek /app/data && chmod 0700 /app/data
USER komek
# The database and pseudonym.secret live here: keep this volume, and back it up.
VOLUME ["/app/data"]

# For webhook mode (PORT); polling, the default today, listens on nothing.
EXPOSE 8080

# Content loads, database answers; works in polling and webhook mode alike.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["komek", "health"]

# SIGTERM (docker stop) ends polling cleanly and closes the database.
STOPSIGNAL SIGTERM
CMD ["komek", "run"]
