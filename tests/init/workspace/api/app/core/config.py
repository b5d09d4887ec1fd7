from typing import Literal

from pydantic import EmailStr, PostgresDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file="../.env", extra="ignore")

    PROJECT_NAME: str
    ENVIRONMENT: Literal["local", "staging", "production"] = "local"
    SECRET_KEY: SecretStr
    DATABASE_URL: PostgresDsn
    FRONTEND_HOST: str = "http://localhost:5173"
    FIRST_SUPERUSER: EmailStr
    FIRST_SUPERUSER_PASSWORD: SecretStr
    SMTP_PASSWORD: str | None = None


settings = Settings()
