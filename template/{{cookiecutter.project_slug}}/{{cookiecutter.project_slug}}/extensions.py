"""Flask extensions: created here, bound to the app in database.init_app()."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# After a commit, objects keep the values they had: a view that answers with
# them needs no more round trip to the database once its write is stored
# (which could fail, and answer "try again" for a write that was done).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
