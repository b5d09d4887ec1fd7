from forum import create_app

# The deployment guide runs `gunicorn wsgi:forum`.
forum = create_app(config="forum.cfg")
