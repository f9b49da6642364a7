"""GOV.UK-style error pages."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from .extensions import db

PAGES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    405: "errors/404.html",
    413: "errors/413.html",
    429: "errors/429.html",
    500: "errors/500.html",
}


def register(app: Flask) -> None:
    def handler(status: int):
        def handle(error):
            if status == 500:
                db.session.rollback()  # nothing half-written survives an error
            return render_template(PAGES[status]), status

        return handle

    for status in PAGES:
        app.register_error_handler(status, handler(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html"), 400
