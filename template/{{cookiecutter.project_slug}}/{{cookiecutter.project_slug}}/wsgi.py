"""Production entry point: `gunicorn {{ cookiecutter.project_slug }}.wsgi:app`."""

from .production import create_production_app

app = create_production_app()
