"""Builds the app so the Celery worker has its configuration:

    celery -A celery_worker.celery worker
"""

from forum import create_app
from forum.extensions import celery  # noqa

app = create_app()
