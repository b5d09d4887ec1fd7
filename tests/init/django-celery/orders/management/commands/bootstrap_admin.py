"""An operator's command: creates the first administrator from the environment."""
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    def handle(self, *args, **options):
        password = os.environ["ORDERS_ADMIN_PASSWORD"]
        get_user_model().objects.create_superuser("admin", password=password)
