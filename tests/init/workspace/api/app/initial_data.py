from app.core.config import settings

print(settings.FIRST_SUPERUSER)
