FROM localhost/app:builder AS builder
FROM python:3.12-slim AS dist
WORKDIR /srv/app
COPY --from=builder /srv/app/.venv/ ./.venv/
COPY --from=builder /srv/app/app/ ./app/
COPY ./container/ ./
ENV APP_GREETING="hello"
EXPOSE 8080
CMD ["/srv/app/.venv/bin/gunicorn", "--bind", "0.0.0.0:8080", "--workers", "3", "app:app"]
