SQLALCHEMY_DATABASE_URI = "sqlite:///forum.sqlite"
