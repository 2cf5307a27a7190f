"""The production worker's entry point, as Flask's documentation names it:

    celery --app {{ cookiecutter.project_slug }}.make_celery worker

The production app (production.py: debug off, unsafe settings refused),
whose Celery app runs the tasks.
"""

from .production import create_production_app

flask_app = create_production_app()
celery_app = flask_app.extensions["celery"]
