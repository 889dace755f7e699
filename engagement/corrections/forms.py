"""The no-JavaScript report form: the same report as the widget's, the passage pasted by hand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TextAreaField, URLField

from engagement.corrections.passages import readable

# Where the API's field names show up on the form (apply_domain_error's `field_names`).
FIELD_FOR = {
    "url": "url",
    "title": "title",
    "quote": "quote",
    "quote.exact": "quote",
    "suggestion": "suggestion",
    "comment": "comment",
    "email": "email",
    "notify": "notify",
    "website": "website",
}


class ReportForm(FlaskForm):
    """A reader's report of a mistake; validated by the same rules as the API."""

    url = URLField(_l("Article address"))
    title = StringField(_l("Article title"))
    quote = TextAreaField(_l("The passage with the mistake"))
    suggestion = TextAreaField(_l("Suggested correction"))
    comment = TextAreaField(_l("Comment"))
    email = EmailField(_l("Email"))
    notify = BooleanField(_l("Tell me when it is fixed"))
    website = StringField(_l("Leave this field empty"))  # a trap for robots

    def as_report(self) -> dict:
        """The form's values shaped like the API's JSON body."""
        return {
            "url": (self.url.data or "").strip(),
            "title": self.title.data or "",
            # A pasted passage carries the clipboard's line breaks, never the page's own
            # whitespace: collapsed, so it reads and groups like the widget's.
            "quote": {"exact": readable(self.quote.data) or self.quote.data or ""},
            "suggestion": self.suggestion.data or "",
            "comment": self.comment.data or "",
            "email": self.email.data or None,
            "notify": bool(self.notify.data),
            "website": self.website.data or "",
        }
