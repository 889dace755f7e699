"""Pages of the voting feature."""

from flask import Blueprint

bp = Blueprint("voting", __name__)
