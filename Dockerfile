# sohoa: one image for every process of compose.yaml: `sohoa migrate` (one-shot), `sohoa serve` (the API),
# `sohoa worker` (the pipeline) and `sohoa beat` (its nightly scheduler). Each service declares its own
# health check in compose.yaml (the API's /readyz, a worker's `celery inspect ping`); the image has none, so
# that no process inherits another's.
FROM python:3.11.10-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd fonts-liberation2 fonts-dejavu-core \
      qpdf poppler-utils libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*

ENV PATH=/opt/sohoa/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_THREAD_LIMIT=1 \
    SOHOA_DATA_DIR=/var/lib/sohoa \
    SOHOA_API_HOST=0.0.0.0 \
    SOHOA_LOG_FORMAT=json

WORKDIR /app
# The locked dependencies first (uv.lock, hashes checked; a layer that changes only with the lock) ...
# tesserocr is built from source against Debian's libtesseract, the `tesseract` command's own library
# (pyproject.toml's no-binary-package; docs/ocr.md): its compiler and headers leave with the same layer.
COPY pyproject.toml uv.lock README.md ./
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ pkg-config libtesseract-dev libleptonica-dev \
 && pip install --no-cache-dir uv==0.13.9 \
 && UV_PROJECT_ENVIRONMENT=/opt/sohoa uv sync --frozen --no-dev --no-install-project --no-cache --compile-bytecode \
      --python /usr/local/bin/python3 \
 && apt-get purge -y --auto-remove g++ pkg-config libtesseract-dev libleptonica-dev \
 && rm -rf /var/lib/apt/lists/*
# ... then the project itself: every package of the repository (.dockerignore keeps tests, docs and secrets out).
COPY . .
RUN UV_PROJECT_ENVIRONMENT=/opt/sohoa uv sync --frozen --no-dev --no-editable --no-cache --compile-bytecode \
      --python /usr/local/bin/python3 \
 && useradd --system --uid 10001 --home /var/lib/sohoa sohoa \
 && mkdir -p /var/lib/sohoa && chown sohoa /var/lib/sohoa && chmod 700 /var/lib/sohoa

USER 10001
# Each container's own data folder: the API's upload spool, a worker's one-step work folder. On S3 setups
# batches wait in the object store's staging bucket, so no container shares this volume with another.
VOLUME /var/lib/sohoa
EXPOSE 8000
CMD ["sohoa", "serve", "--port", "8000", "--no-worker"]
