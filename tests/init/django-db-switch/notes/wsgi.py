import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notes.settings")
_application = get_wsgi_application()


def application(environ, start_response):
    """Serve below the prefix a proxy names (the request's environ, not the process's)."""
    script_name = environ.get("HTTP_X_SCRIPT_NAME", "")
    if script_name:
        environ["SCRIPT_NAME"] = script_name
        path_info = environ["PATH_INFO"]
        if path_info.startswith(script_name):
            environ["PATH_INFO"] = path_info[len(script_name):]
    return _application(environ, start_response)
