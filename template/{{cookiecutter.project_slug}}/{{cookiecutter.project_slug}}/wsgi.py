"""Production entry point, for gunicorn (see compose/gunicorn.conf.py).

Its command: gunicorn {{ cookiecutter.project_slug }}.wsgi:app
"""

from .production import create_production_app

app = create_production_app()
