from alembic import context

context.configure(url="postgresql+asyncpg:///tracker")
