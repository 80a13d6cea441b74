# One image for all five services; each deployment picks the service with its command,
# e.g. `python -m collection serve` or `python -m invoicing migrate`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# WeasyPrint (invoice and statement PDFs) needs Pango (HarfBuzz's subsetter makes it ~2x faster);
# DejaVu sets Latin and Cyrillic text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY pyproject.toml ./
COPY shared/ shared/
COPY services/ services/
RUN pip install --no-cache-dir . \
    && rm -rf build *.egg-info

# Numeric UID/GID so Kubernetes can verify runAsNonRoot.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home \
       --shell /usr/sbin/nologin app
USER 10001:10001

# Services listen on <PREFIX>PORT (default 8000); set <PREFIX>HOST=0.0.0.0 in containers.
EXPOSE 8000

CMD ["python", "-m", "invoicing", "serve"]
