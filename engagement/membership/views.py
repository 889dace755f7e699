"""Pages of the membership feature."""

from flask import Blueprint

bp = Blueprint("membership", __name__)
