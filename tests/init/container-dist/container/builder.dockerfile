FROM python:3.12-slim AS builder
WORKDIR /srv/app
COPY ./requirements.txt ./
RUN python -m venv .venv && .venv/bin/pip install -r requirements.txt
COPY ./app/ ./app/
