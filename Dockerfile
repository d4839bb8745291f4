# Kömek in a container: `docker build -t komek . && docker run -e BOT_TOKEN=… -v komek-data:/app/data komek`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir .

COPY content ./content
COPY locales ./locales

RUN useradd --system --uid 10001 komek && mkdir -p /app/data && chown komek /app/data
USER komek
VOLUME ["/app/data"]

# Refuse to start on broken content rather than serve it.
RUN python -m bot check

CMD ["python", "-m", "bot", "run"]
