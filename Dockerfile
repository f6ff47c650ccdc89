# sohoa: one image for the API (`sohoa serve`) and the pipeline workers (`sohoa worker`).
FROM python:3.11-slim-bookworm AS base

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
COPY pyproject.toml uv.lock README.md ./
COPY core core
COPY cli cli
COPY ingest ingest
COPY ocr ocr
COPY signing signing
COPY vault vault
COPY api api
# The locked dependencies only (uv.lock, hashes checked), then the project itself.
RUN pip install --no-cache-dir uv==0.13.9 \
 && UV_PROJECT_ENVIRONMENT=/opt/sohoa uv sync --frozen --no-dev --no-editable --no-cache --python /usr/local/bin/python3 \
 && useradd --system --uid 10001 --home /var/lib/sohoa sohoa \
 && mkdir -p /var/lib/sohoa && chown sohoa /var/lib/sohoa

USER sohoa
VOLUME /var/lib/sohoa
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1
CMD ["sohoa", "serve", "--port", "8000"]
