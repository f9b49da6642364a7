"""The app, for `flask --app app` and `gunicorn app:app`."""

from apprenticeships import create_app

app = create_app()
