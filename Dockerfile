# sohoa service image (draft; the production image is completed with the pipeline and API issues).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd fonts-liberation2 fonts-dejavu-core \
      qpdf poppler-utils libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_THREAD_LIMIT=1 SOHOA_DATA_DIR=/var/lib/sohoa
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY cli cli
COPY ingest ingest
COPY ocr ocr
COPY signing signing
COPY vault vault
COPY api api
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/sohoa sohoa \
 && mkdir -p /var/lib/sohoa && chown sohoa /var/lib/sohoa
USER sohoa
VOLUME /var/lib/sohoa
EXPOSE 8000
CMD ["sohoa", "serve", "--host", "0.0.0.0", "--port", "8000"]
